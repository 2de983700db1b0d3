"""Server-side charts of a calibration run (matplotlib, no display needed)."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

FLAG_COLOUR = "#ba2121"
PLAIN_COLOUR = "#417690"
ALPHA_BAR = 0.667


def _render(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, bbox_inches="tight", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _shrunk(row) -> tuple[float | None, float]:
    """The estimate a run uses (the shrunk one; the raw one for rows stored
    before runs had it) and its SD."""
    if getattr(row, "severity_shrunk", None) is not None:
        return row.severity_shrunk, row.severity_sd_shrunk or 0.0
    return row.severity, row.severity_se or 0.0


def severity_chart(reviewers, fmt: str = "png", unit: str = "scale points") -> bytes:
    """Each reviewer's severity (+ lenient, − severe) as the run uses it
    (shrunk toward 0 by how little is known) with a 95% interval."""
    rows = [r for r in reviewers if _shrunk(r)[0] is not None]
    rows.sort(key=lambda r: _shrunk(r)[0])
    height = max(2.0, 0.32 * len(rows) + 1.0)
    fig, ax = plt.subplots(figsize=(7, height))
    if rows:
        y = np.arange(len(rows))
        sev = np.array([_shrunk(r)[0] for r in rows])
        err = np.array([1.96 * _shrunk(r)[1] for r in rows])
        colours = [FLAG_COLOUR if r.flagged else PLAIN_COLOUR for r in rows]
        ax.errorbar(sev, y, xerr=err, fmt="none", ecolor="#999999", capsize=3)
        ax.scatter(sev, y, c=colours, zorder=3)
        ax.set_yticks(y, [r.reviewer.get_full_name() or r.reviewer.username for r in rows])
    else:
        ax.text(
            0.5, 0.5, "Too few ratings to estimate severity", ha="center", transform=ax.transAxes
        )
        ax.set_yticks([])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"Severity in {unit} (− harsher, + more lenient), shrunk, 95% interval")
    ax.set_title("Reviewer severity")
    return _render(fig, fmt)


def distribution_chart(reviewers, level_labels, fmt: str = "png") -> bytes:
    """The share of each reviewer's ratings at each level."""
    rows = [r for r in reviewers if sum(r.distribution or [])]
    height = max(2.0, 0.32 * len(rows) + 1.2)
    fig, ax = plt.subplots(figsize=(7, height))
    if rows:
        counts = np.array([r.distribution for r in rows], dtype=float)
        shares = counts / counts.sum(axis=1, keepdims=True)
        left = np.zeros(len(rows))
        cmap = plt.get_cmap("RdYlGn", shares.shape[1])
        for level in range(shares.shape[1]):
            ax.barh(
                np.arange(len(rows)),
                shares[:, level],
                left=left,
                color=cmap(level),
                label=f"{level + 1} {level_labels[level]}",
            )
            left += shares[:, level]
        ax.set_yticks(
            np.arange(len(rows)), [r.reviewer.get_full_name() or r.reviewer.username for r in rows]
        )
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.3),
            ncol=min(5, shares.shape[1]),
            fontsize="small",
            frameon=False,
        )
    else:
        ax.text(0.5, 0.5, "No ratings yet", ha="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of ratings")
    ax.set_title("Score distribution per reviewer")
    return _render(fig, fmt)


def agreement_chart(criteria, fmt: str = "png") -> bytes:
    """Krippendorff's alpha (ordinal) per criterion, against the 0.667 bar."""
    rows = list(criteria)
    height = max(2.0, 0.35 * len(rows) + 1.0)
    fig, ax = plt.subplots(figsize=(7, height))
    y = np.arange(len(rows))
    values = [r.alpha_ordinal if r.alpha_ordinal is not None else 0.0 for r in rows]
    colours = [FLAG_COLOUR if r.flagged else PLAIN_COLOUR for r in rows]
    ax.barh(y, values, color=colours)
    for i, r in enumerate(rows):
        if r.alpha_ordinal is None:
            ax.text(0.01, i, "undefined", va="center", fontsize="small")
    ax.axvline(ALPHA_BAR, color="#333333", linestyle="--", linewidth=0.8)
    ax.set_yticks(y, [r.criterion.title for r in rows])
    ax.set_xlim(min(0.0, min(values, default=0.0)), 1.0)
    ax.set_xlabel("Krippendorff's alpha (ordinal); dashed line: 0.667")
    ax.set_title("Agreement per criterion")
    return _render(fig, fmt)
