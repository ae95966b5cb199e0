"""The lesson registry: which pages the app has, in which order and section.

Plain data, no streamlit: ``app.py`` turns ``LESSONS`` into ``st.Page`` objects, the home page
lists them, and the browser test visits every one of them by its ``url_path``.

Adding a page (when its file lands in ``lessons/``): append a ``Lesson`` to ``LESSONS`` below,
in teaching order. That is all: navigation, the home page's list and the browser smoke test pick it up from here.
A test checks that every registered file exists, so never register a page before its file.
"""

from __future__ import annotations

from dataclasses import dataclass

# Navigation sections, in the order the sidebar shows them. Empty sections are not shown.
SECTIONS: tuple[str, ...] = (
    "Neural networks",
    "Boltzmann machines",
    "Evaluation",
    "Belief nets",
    "Inference",
    "Deep belief nets",
    "Beyond",
)


@dataclass(frozen=True)
class Lesson:
    """One lesson page.

    key      : short id, also the screenshot name ``docs/screenshots/<key>.png``
    title    : shown in the navigation and on the home page
    path     : the page script, relative to the repository root (``lessons/energy.py``)
    icon     : an emoji or a Material icon such as ``":material/bolt:"``
    blurb    : one sentence: what the page shows
    url_path : the page's address, ``http://host/<url_path>`` (no slashes)
    section  : one of ``SECTIONS``
    """

    key: str
    title: str
    path: str
    icon: str
    blurb: str
    url_path: str
    section: str = "Boltzmann machines"

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise ValueError(f"Lesson {self.key!r}: section must be one of {SECTIONS}, not {self.section!r}")
        if not self.url_path or "/" in self.url_path:
            raise ValueError(f"Lesson {self.key!r}: url_path must be a non-empty name without '/'")
        if not self.path.startswith("lessons/") or not self.path.endswith(".py"):
            raise ValueError(f"Lesson {self.key!r}: path must look like 'lessons/<name>.py', not {self.path!r}")


# Pages that exist, in teaching order. Register a page only once its file is in lessons/.
LESSONS: list[Lesson] = [
    Lesson(
        key="perceptron",
        title="From perceptrons to backprop",
        path="lessons/perceptron.py",
        icon=":material/linear_scale:",
        blurb="A single unit learns AND and OR but never XOR (four inequalities say why); a hidden "
              "layer trained by backprop solves it, with every gradient shown on the computation graph "
              "and both losses read as likelihoods.",
        url_path="perceptron",
        section="Neural networks",
    ),
    Lesson(
        key="energy",
        title="Energy and probability",
        path="lessons/energy.py",
        icon=":material/bolt:",
        blurb="A tiny RBM with every state listed: energy, exp(-E), exact probabilities that sum to "
              "one, the free energy, the MRF and exponential-family readings, the QUBO matrix, and "
              "what hidden-hidden couplings break.",
        url_path="energy",
    ),
    Lesson(
        key="full_bm",
        title="A full Boltzmann machine, learned",
        path="lessons/full_bm.py",
        icon=":material/hub:",
        blurb="Every coupling allowed, lateral ones too: the clamped/free rule trained live on bars and stripes "
              "beside the RBM with the same units, the exact gradient and log-likelihood beside the sampled ones, "
              "a posterior that needs sampling, a temperature for the chains, and the cost per update.",
        url_path="full_bm",
    ),
    Lesson(
        key="filters",
        title="Filter learning",
        path="lessons/filters.py",
        icon=":material/grid_view:",
        blurb="Train an RBM on images of 2s (or any digits) with contrastive divergence and watch, "
              "live, each hidden unit's weights turn into a stroke detector of its own.",
        url_path="filters",
    ),
    Lesson(
        key="reconstructions",
        title="Reconstructions",
        path="lessons/reconstructions.py",
        icon=":material/flip:",
        blurb="Send a digit (held out, drawn or uploaded) up to the hidden features and back down: "
              "a model trained only on 2s gives every image back as a 2, and its error per class shows it.",
        url_path="reconstructions",
    ),
    Lesson(
        key="fantasy",
        title="Fantasy chains",
        path="lessons/fantasy.py",
        icon=":material/auto_awesome:",
        blurb="Let alternating Gibbs sampling run on its own from noise, a digit or your drawing, and "
              "watch the chains turn into the model's fantasies while their free energy falls.",
        url_path="fantasy",
    ),
    Lesson(
        key="evaluate",
        title="How good is the model?",
        path="lessons/evaluate.py",
        icon=":material/speed:",
        blurb="Score a model by the mean log-probability of held-out digits, in nats: log Z by exact "
              "enumeration where it fits, by AIS and by population annealing with error bars, and how "
              "many temperatures the estimates need to agree.",
        url_path="evaluate",
        section="Evaluation",
    ),
    Lesson(
        key="samplers",
        title="Samplers compared",
        path="lessons/samplers.py",
        icon=":material/compare_arrows:",
        blurb="CD-1, persistent CD, population annealing and parallel tempering train the same model "
              "side by side, judged live by the exact log-likelihood, with each method's cost per update, "
              "ESS and swap rates and fantasy particles.",
        url_path="samplers",
        section="Evaluation",
    ),
    Lesson(
        key="explaining_away",
        title="Explaining away",
        path="lessons/explaining_away.py",
        icon=":material/call_merge:",
        blurb="Truck or earthquake? Two independent causes of a jumping house become competitors once "
              "the jump is seen: the exact posterior, the earthquake explaining the truck away, and on a "
              "random sigmoid belief net a posterior that does not factorise.",
        url_path="explaining_away",
        section="Belief nets",
    ),
    Lesson(
        key="infinite_net",
        title="The infinite belief net",
        path="lessons/infinite_net.py",
        icon=":material/stacks:",
        blurb="Unroll an RBM into a directed net with tied weights: its top-down pass is block Gibbs, "
              "its v-distribution approaches p(v) layer by layer, and its tied prior makes the posterior "
              "exactly sigmoid(c + v₀W); untie the weights above and that one-multiplication answer is "
              "wrong (the bound's slack grows) even where the true posterior stays nearly factorial.",
        url_path="infinite_net",
        section="Belief nets",
    ),
    Lesson(
        key="message_passing",
        title="Inference by message passing",
        path="lessons/message_passing.py",
        icon=":material/share:",
        blurb="Sum-product belief propagation message by message on a chain, a tree and a 3x3 Ising grid: exact "
              "marginals after two passes on a tree, an error once the coupling sends evidence round the loops, "
              "naive mean field beside both (its bound, its KL, the one mode it picks), and the RBM, where one "
              "half-step of Gibbs is exact inference.",
        url_path="message_passing",
        section="Inference",
    ),
    Lesson(
        key="completion",
        title="Inference with evidence",
        path="lessons/completion.py",
        icon=":material/extension:",
        blurb="Hide part of a digit (a half, a box, a brush) or flip some of its pixels, clamp what is seen, and "
              "let block Gibbs or mean field fill in the rest, animated: the error against the true digit step by "
              "step, CD-1, PCD and PA compared, a small patch's sampled conditional approaching the exact one, "
              "and the label DBN filling in the label from the image and the image from the label.",
        url_path="completion",
        section="Inference",
    ),
    Lesson(
        key="greedy",
        title="Greedy stacking",
        path="lessons/greedy.py",
        icon=":material/layers:",
        blurb="Train a deep belief net one RBM at a time, each on the hidden activities of the one below: "
              "features of features, the aggregated posterior the next layer learns, samples from the stack, "
              "and, computed exactly on a small model, the variational bound rising with the second layer.",
        url_path="greedy",
        section="Deep belief nets",
    ),
    Lesson(
        key="autoencoder",
        title="Deep autoencoder",
        path="lessons/autoencoder.py",
        icon=":material/compress:",
        blurb="Pretrain a stack of RBMs, unroll it into an encoder and decoder, fine-tune it with backprop "
              "live, and compare its reconstructions and 2-D code map with PCA's at the same code size; "
              "plus why real-valued data want Gaussian visible units.",
        url_path="autoencoder",
        section="Deep belief nets",
    ),
    Lesson(
        key="generate",
        title="Generate and recognise",
        path="lessons/generate.py",
        icon=":material/draw:",
        blurb="Ten label units beside the top layer: clamp one and the associative memory draws that digit "
              "(as a movie of its Gibbs chain), let it dream from random pixels, and recognise held-out or "
              "drawn digits exactly by the free energy of each label, with the held-out error and confusion; "
              "before and after up-down fine-tuning.",
        url_path="generate",
        section="Deep belief nets",
    ),
    Lesson(
        key="finetune",
        title="Fine-tuning and results",
        path="lessons/finetune.py",
        icon=":material/tune:",
        blurb="Unroll a DBN pretrained without labels into a classifier and fine-tune it with gentle backprop, "
              "live beside the same net from random weights: the held-out error table against logistic "
              "regression on pixels and on RBM features, the lecture's MNIST numbers, and how little the "
              "features change; then up-down (contrastive wake-sleep) fine-tuning of the label DBN, live.",
        url_path="finetune",
        section="Deep belief nets",
    ),
    Lesson(
        key="dbm",
        title="A deep Boltzmann machine",
        path="lessons/dbm.py",
        icon=":material/device_hub:",
        blurb="Two hidden layers, all undirected: a DBM trained by mean field and persistent Gibbs chains live "
              "beside a DBN of the same sizes, both judged by their exact log-likelihood; samples by Gibbs over "
              "all layers vs top-down, and a posterior over h¹ that moves with the layer above in the DBM but "
              "not in the DBN's recognition pass.",
        url_path="dbm",
        section="Deep belief nets",
    ),
    Lesson(
        key="vae",
        title="VAE: a graphical model with a neural conditional",
        path="lessons/vae.py",
        icon=":material/blur_on:",
        blurb="A directed model z -> x whose p(x | z) is a neural net, inverted by a recognition net: "
              "the ELBO and its two terms live, reconstructions, samples in one pass, the 2-D latent map "
              "of the digits, held-out nats next to the RBM's, and labels as latents (M2) lifting a "
              "classifier trained on 100 labels.",
        url_path="vae",
        section="Beyond",
    ),
    Lesson(
        key="crf_hybrid",
        title="A network inside a graphical model",
        path="lessons/crf_hybrid.py",
        icon=":material/link:",
        blurb="A linear-chain CRF whose unary potentials a small net computes, trained end to end through "
              "exact forward-backward, live beside the same net alone: held-out accuracy and log-likelihood "
              "of both against the generating HMM, where the transitions correct the net, the learned "
              "transition scores beside the true ones, and the gradient checked by finite differences.",
        url_path="crf_hybrid",
        section="Beyond",
    ),
]


def lessons_by_section() -> dict[str, list[Lesson]]:
    """Registered lessons grouped by section, in ``SECTIONS`` order, leaving out empty sections."""
    groups = {name: [lesson for lesson in LESSONS if lesson.section == name] for name in SECTIONS}
    return {name: items for name, items in groups.items() if items}
