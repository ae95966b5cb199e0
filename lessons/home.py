"""Home: the map from neural networks to graphical models, the lessons, and teaching tips."""

import streamlit as st

from pgmviz.ui.graphs import server_graphviz_chart
from pgmviz.ui.layout import lesson_link
from pgmviz.ui.lessons import LESSONS, lessons_by_section
from pgmviz.ui.prefetch import prefetch_chunks

# --- the four model graphs -------------------------------------------------------------------
# Shaded circles are visible (observed) units, white ones hidden. Lines without arrows are
# undirected edges (a potential shared by two units); arrows are parent -> child conditionals.

_STYLE = """
  graph [bgcolor=transparent, ranksep=0.45, nodesep=0.25, pad=0.1];
  node [shape=circle, width=0.32, height=0.32, fixedsize=true, label="", penwidth=1.3,
        color="#37474f", style=filled, fillcolor=white];
  edge [color="#607d8b", penwidth=1.1];
"""
_V = 'fillcolor="#90caf9"'  # visible units

DIAGRAMS = {
    "Boltzmann machine": f"""
graph BM {{ {_STYLE} layout=circo; mindist=0.45;
  v1 [{_V}]; v2 [{_V}]; v3 [{_V}]; h1; h2;
  v1 -- v2; v1 -- v3; v2 -- v3; v1 -- h1; v2 -- h1; v3 -- h2; h1 -- h2; v2 -- h2;
}}""",
    "Restricted Boltzmann machine": f"""
graph RBM {{ {_STYLE} rankdir=BT;
  {{ rank=same; v1 [{_V}]; v2 [{_V}]; v3 [{_V}]; v4 [{_V}]; }}
  {{ rank=same; h1; h2; h3; }}
  v1 -- {{h1 h2 h3}}; v2 -- {{h1 h2 h3}}; v3 -- {{h1 h2 h3}}; v4 -- {{h1 h2 h3}};
}}""",
    "Sigmoid belief net": f"""
digraph SBN {{ {_STYLE} edge [arrowsize=0.6];
  {{ rank=same; a1; a2; }}
  {{ rank=same; b1; b2; b3; }}
  {{ rank=same; v1 [{_V}]; v2 [{_V}]; v3 [{_V}]; v4 [{_V}]; }}
  a1 -> {{b1 b2 b3}}; a2 -> {{b1 b2 b3}};
  b1 -> {{v1 v2 v3 v4}}; b2 -> {{v1 v2 v3 v4}}; b3 -> {{v1 v2 v3 v4}};
}}""",
    "Deep belief net": f"""
digraph DBN {{ {_STYLE} edge [arrowsize=0.6];
  {{ rank=same; t1; t2; }}
  {{ rank=same; m1; m2; m3; }}
  {{ rank=same; v1 [{_V}]; v2 [{_V}]; v3 [{_V}]; v4 [{_V}]; }}
  t1 -> {{m1 m2 m3}} [dir=none, color="#e65100", penwidth=1.6];
  t2 -> {{m1 m2 m3}} [dir=none, color="#e65100", penwidth=1.6];
  m1 -> {{v1 v2 v3 v4}}; m2 -> {{v1 v2 v3 v4}}; m3 -> {{v1 v2 v3 v4}};
}}""",
}

CAPTIONS = {
    "Boltzmann machine": "**= Markov random field.** Undirected; any pair of units may share a "
    "potential.",
    "Restricted Boltzmann machine": "**= bipartite MRF.** Edges only between the visible and "
    "the hidden layer.",
    "Sigmoid belief net": "**= Bayesian network.** Directed; every unit is a logistic "
    "regression on its parents.",
    "Deep belief net": "**= hybrid.** An undirected RBM on top (orange) over directed "
    "layers below.",
}

MAP_TABLE = r"""
| Neural-network name | Graphical model | Graph | The distribution it defines |
|---|---|---|---|
| Boltzmann machine | Markov random field, exponential family | undirected, pairwise | $p(x) = e^{-E(x)}/Z$ with $E(x) = -\sum_{i<j} w_{ij} x_i x_j - \sum_i b_i x_i$: one factor $e^{w_{ij} x_i x_j}$ per edge, one $e^{b_i x_i}$ per unit |
| Restricted Boltzmann machine | bipartite Markov random field | visible layer $v$, hidden layer $h$, no edges inside a layer | $p(v,h) = e^{\,b^\top v + v^\top W h + c^\top h}/Z$; given one layer, the other is a product of independent sigmoids |
| Sigmoid belief net | Bayesian network | directed, acyclic | $p(x) = \prod_i p(x_i \mid \mathrm{pa}_i)$ with logistic conditionals $p(x_i{=}1 \mid \mathrm{pa}_i) = \sigma(b_i + \sum_j w_{ij} x_j)$ |
| Deep belief net | hybrid (chain graph) | undirected top two layers, directed arrows down to the data | $p(v, h^1, h^2) = p_{\text{RBM}}(h^1, h^2)\, p(v \mid h^1)$ |
| "Hebbian" weight update (Boltzmann machine, RBM, a DBN's top RBM) | maximum-likelihood gradient of an MRF | undirected | $\langle v h^\top \rangle_{\text{data}} - \langle v h^\top \rangle_{\text{model}}$: the data term is easy in an RBM ($p(h \mid v)$ factorises), the model term is hard (it is the derivative of $\log Z$) and is estimated by sampling |
| Learning rule of a belief net (sigmoid belief net, a DBN's directed layers) | maximum-likelihood gradient of a Bayesian network | directed | $\big\langle s_j\,(s_i - p_i) \big\rangle$ over the posterior $p(\text{hidden} \mid v)$, with $p_i = \sigma(b_i + \sum_j w_{ij} s_j)$: no model term, because every conditional is normalised ($Z = 1$); the posterior is the hard part (explaining away) |
"""  # noqa: E501 - a markdown table: one row per line

st.title("pgmviz")
st.markdown(
    "##### Boltzmann machines and belief nets *are* graphical models. This app shows it, one "
    "lesson at a time, with numbers you can check.",
    anchors=False,
)

# --- the map ---------------------------------------------------------------------------------
st.header("The map: neural network ↔ graphical model", anchor="the-map", divider="gray")
# Names, drawings and captions in three rows of columns, so each row lines up across models
# (drawings sit on a common baseline: the visible layer).
names, drawings, captions = (
    st.columns(len(DIAGRAMS), gap="medium", vertical_alignment=align) for align in ("top", "bottom", "top")
)
for i, (name, dot) in enumerate(DIAGRAMS.items()):
    names[i].markdown(f"**{name}**")
    with drawings[i]:
        server_graphviz_chart(dot, key=f"home_map_{i}")  # laid out on the server (pgmviz.ui.graphs)
    captions[i].caption(CAPTIONS[name])
st.caption("Blue circles: visible units (the data). White circles: hidden units.")

st.markdown(MAP_TABLE)

# Where the map's rows lead: lessons that use the graph itself, or both columns at once.
BY_KEY = {lesson.key: lesson for lesson in LESSONS}
LEADS = (
    ("full_bm", "the first row learned: every coupling allowed, so even p(h | v) needs sampling"),
    ("message_passing", "what the graph is for: sum-product messages along its edges, exact on trees"),
    ("completion", "any subset given any evidence: the undirected model fills in what is hidden"),
    ("dbm", "two hidden layers, all undirected: a true graphical model beside the DBN"),
    ("crf_hybrid", "both columns at once: a net computes the potentials of a chain-structured MRF"),
)
st.markdown("**Where the map leads.**")
for column, (key, why) in zip(st.columns(len(LEADS), gap="small"), LEADS):
    with column:
        lesson_link(BY_KEY[key])
        st.caption(why)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Why an exponential family", anchor=False)
    st.markdown(
        r"""
Take the log of an RBM's joint distribution:
$\log p(v,h) = b^\top v + c^\top h + \sum_{ij} W_{ij} v_i h_j - \log Z$.
It is linear in the parameters $(b, c, W)$, each multiplying one statistic of the
state: $v$, $h$ and $v h^\top$. That is the definition of an exponential family, with
$(b, c, W)$ the natural parameters and $(v, h, v h^\top)$ the sufficient statistics. The
energy is just minus the linear part, and each factor of the Markov random field is
$e^{-(\text{one energy term})}$.

For an exponential family the gradient of the average log-likelihood is always the same
shape: the statistics measured on the data minus their expectation under the model.
"""
    )
    st.latex(
        r"\frac{\partial}{\partial W}\,\frac{1}{N}\sum_{n}\log p\big(v^{(n)}\big)"
        r"\;=\;\big\langle v\,h^\top\big\rangle_{\text{data}}"
        r"\;-\;\big\langle v\,h^\top\big\rangle_{\text{model}}"
    )
with right:
    st.subheader("So the \"neural\" rule is maximum likelihood", anchor=False)
    st.markdown(
        r"""
- **Data term.** Clamp $v$ to a training image; $p(h \mid v)$ factorises, so
  $\langle v h^\top\rangle_{\text{data}}$ is exact and cheap.
- **Model term.** Needs samples from $p(v,h)$ itself, and $Z$ is a sum over
  $2^{n_v + n_h}$ states. Block Gibbs sampling (all of $h$ given $v$, then all of $v$
  given $h$) supplies them.
- **The samplers differ only here.** Contrastive divergence starts the chains at the data
  and runs $k$ steps; persistent CD keeps its chains between updates; annealing and tempering
  help the chains move between modes.
- **Read as a net**, the update strengthens a weight when two units are on together for the
  data and weakens it when they are on together in the model's own samples.
"""
    )

# --- lessons ---------------------------------------------------------------------------------
st.header("Lessons", anchor="lessons", divider="gray")
for section, lessons in lessons_by_section().items():
    st.subheader(section, anchor=False)
    for start in range(0, len(lessons), 3):
        for column, lesson in zip(st.columns(3, gap="medium"), lessons[start : start + 3]):
            with column.container(border=True, height="stretch"):
                lesson_link(lesson)
                st.caption(lesson.blurb)

# --- teaching --------------------------------------------------------------------------------
st.header("How to use this in a class", anchor="teaching", divider="gray")
tips = st.columns(3, gap="large")
with tips[0]:
    st.markdown(
        """
**Start from the map.** Most students know one column of the table above. Ask them to fill
in the other before showing it: "what is the factor graph of an RBM?", "what is the CPD of a
unit in a belief net?"

**One claim per lesson.** Every lesson opens with a single sentence it then demonstrates and
closes with what to notice. Read the claim aloud and ask for a prediction before anyone
touches a control.
"""
    )
with tips[1]:
    st.markdown(
        """
**Begin with something tiny.** A model with a dozen units has few enough states to
enumerate, so exact probabilities and likelihoods are available. Trust in the sampled
estimates comes from watching them agree with the exact answer first; then scale up to digits.

**Fix the seed.** Random draws in pgmviz come from an explicit seed: the same seed gives the
same run, so a result shown in class can be reproduced afterwards.
"""
    )
with tips[2]:
    st.markdown(
        """
**Project it.** The layout is wide on purpose; zoom the browser (Ctrl/Cmd +) for the back
row, and collapse the sidebar to give the figures the room.

**Hand out the library.** The numbers on every page come from the plain-Python package
`pgmviz` (no Streamlit inside), so students can recompute any of them in a notebook:
`from pgmviz import RBM`.
"""
    )

st.divider()
st.caption(
    "pgmviz runs locally: `make run` starts it, `make test` checks it. Lesson content follows "
    "standard lecture material on Boltzmann machines, RBMs and deep belief nets."
)

# Plotly's and the data grid's code, loaded while the student reads Home (pgmviz.ui.prefetch): a lesson
# opened from here finds it in the tab instead of waiting for 5 MB of JavaScript before its first chart
# (Energy needs only the grid's: its charts are SVG drawn on the server).
prefetch_chunks()
