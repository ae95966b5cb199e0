"""Charts of the VAE lesson: the graphical model in DOT, the ELBO curves, the latent map, the
VAE-against-RBM bars and the M2 accuracies."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pgmviz.ui.theme import CLASS_COLOURS, FONT, GREEN, LIGHT_GREY

VAE_COLOUR, RBM_COLOUR, TEST_COLOUR = CLASS_COLOURS[0], CLASS_COLOURS[1], CLASS_COLOURS[3]
RECOGNITION = "#5c6bc0"  # the dashed q edges


def model_dot(with_label: bool) -> str:
    """z -> x (and y -> x with a label, M2) in a plate over N digits; dashed: the recognition model q."""
    y_nodes = ('y [label="y", fillcolor="white"];\n y -> x [penwidth=2];\n'
               f' x -> y [style=dashed, color="{RECOGNITION}", fontcolor="{RECOGNITION}", label="q(y|x)", '
               'constraint=false];' if with_label else "")
    p_label, q_label = ("p(x|y,z)", "q(z|x,y)") if with_label else ("p(x|z)", "q(z|x)")
    return f"""
digraph {{
  rankdir=TB; bgcolor="transparent"; nodesep={0.25 if with_label else 0.9}; ranksep=1.0;
  node [shape=circle, style=filled, fontsize=20, width=0.6, fixedsize=true, fontname="Helvetica"];
  edge [fontsize=14, fontname="Helvetica"];
  subgraph cluster_n {{
    label="for each of N digits"; labeljust=r; fontsize=12; color="{LIGHT_GREY}"; style=rounded;
    z [label="z", fillcolor="white"];
    x [label="x", fillcolor="#90caf9"];
    {y_nodes}
    z -> x [penwidth=2, label="{p_label}"];
    x -> z [style=dashed, color="{RECOGNITION}", fontcolor="{RECOGNITION}", label="{q_label}", constraint=false];
  }}
}}"""


def elbo_chart(ep: list, elbo: list, recon: list, kl: list, test: list) -> go.Figure:
    """ELBO, its reconstruction term and the held-out ELBO against the epoch; the KL term beside them."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.1,
                        subplot_titles=("ELBO = reconstruction − KL (nats per digit)", "KL(q(z|x) ‖ p(z)) (nats)"))
    fig.add_scatter(x=ep, y=recon, name="reconstruction E_q[log p(x|z)]", line=dict(color=LIGHT_GREY, dash="dot"),
                    row=1, col=1)
    fig.add_scatter(x=ep, y=elbo, name="ELBO (training batches)", line=dict(color=VAE_COLOUR), row=1, col=1)
    pts = [(e, t) for e, t in zip(ep, test) if t is not None]
    if pts:
        fig.add_scatter(x=[e for e, _ in pts], y=[t for _, t in pts], name="ELBO (held-out digits)",
                        mode="lines+markers", line=dict(color=TEST_COLOUR), row=1, col=1)
    fig.add_scatter(x=ep, y=kl, name="KL", line=dict(color=GREEN), showlegend=False, row=1, col=2)
    lo = min(v for v in list(elbo) + [t for _, t in pts] if v is not None)
    fig.update_yaxes(range=[max(lo, -260) - 5, max(recon) + 10], row=1, col=1)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(height=330, margin=dict(l=10, r=10, t=40, b=10), font=FONT,
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    return fig


def latent_map(mu: np.ndarray, y: np.ndarray, edge: float) -> go.Figure:
    """The held-out digits' codes mu(x) coloured by class, and the square [-edge, edge]^2 the grid decodes."""
    fig = go.Figure()
    for c in range(10):
        sel = y == c
        fig.add_scatter(x=mu[sel, 0], y=mu[sel, 1], mode="markers", name=str(c),
                        marker=dict(size=6, color=CLASS_COLOURS[c], opacity=0.8),
                        hovertemplate=f"digit {c}<br>μ = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>")
    fig.add_shape(type="rect", x0=-edge, x1=edge, y0=-edge, y1=edge, line=dict(color="#616161", dash="dash"))
    fig.add_annotation(x=edge, y=edge, text="the grid →", showarrow=False, xanchor="right", yanchor="bottom",
                       font=dict(size=13, color="#616161"))
    fig.update_layout(height=460, margin=dict(l=10, r=10, t=30, b=10), font=FONT,
                      title=dict(text=f"μ(x) of the {len(y):,} held-out digits, coloured by class", font=dict(size=15)),
                      xaxis_title="z₁", yaxis_title="z₂",
                      legend=dict(title="class", orientation="h", yanchor="top", y=-0.15, x=0))
    return fig


def nats_bars(rows: list[tuple[str, float, str]]) -> go.Figure:
    """Mean held-out log p(x) of each (model, nats, how) row: VAEs in blue, RBMs in orange."""
    fig = go.Figure(go.Bar(x=[r[1] for r in rows], y=[r[0] for r in rows], orientation="h",
                           text=[f"{r[1]:.1f}" for r in rows], textposition="outside",
                           marker_color=[VAE_COLOUR if r[0].startswith("VAE") else RBM_COLOUR for r in rows],
                           hovertext=[r[2] for r in rows]))
    lo = min(r[1] for r in rows)
    fig.update_layout(height=90 + 38 * len(rows), margin=dict(l=10, r=40, t=10, b=10), font=FONT,
                      xaxis=dict(title="mean log p(x) of a held-out digit (nats; higher is better)",
                                 range=[lo - 15, max(r[1] for r in rows) + 20]),
                      yaxis=dict(autorange="reversed"))
    return fig


def m2_bars(rows: list[dict]) -> go.Figure:
    """Held-out accuracy per number of labels: the classifier alone against M2 with the rest unlabelled."""
    x = [f"{r['labels']:,} labels" for r in rows]
    fig = go.Figure([
        go.Bar(x=x, y=[r["supervised"] for r in rows], name="classifier alone", marker_color=LIGHT_GREY,
               text=[f"{r['supervised']:.1%}" for r in rows], textposition="outside"),
        go.Bar(x=x, y=[r["m2"] for r in rows], name="M2 (the rest unlabelled)", marker_color=VAE_COLOUR,
               text=[f"{r['m2']:.1%}" for r in rows], textposition="outside"),
    ])
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=30, b=10), font=FONT, barmode="group",
                      yaxis=dict(title="held-out accuracy", range=[0, 1.08], tickformat=".0%"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    return fig
