"""Bar charts as server-side SVG (no script, no internet). Colours are presentation
attributes, not style attributes, so the page's Content-Security-Policy needs no inline styles."""
from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 14, 40


def bar_chart(bars, max_value, title, y_label, percent=False) -> Markup:
    """bars: [(label, value or None, tooltip)]; a bar for each value above 0, the value written
    above it; None (no answers yet) draws nothing."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    max_value = max(max_value, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for tick in _ticks(max_value, percent):
        y = TOP + plot_h - plot_h * tick / max_value
        label = f"{tick}%" if percent else str(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d8dde3"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#4a5562">'
                     f"{label}</text>")
    slot = plot_w / max(len(bars), 1)
    bar_w = max(4.0, min(48.0, slot * 0.7))
    for i, (label, value, tooltip) in enumerate(bars):
        x = LEFT + slot * i + (slot - bar_w) / 2
        if value is not None:
            h = plot_h * value / max_value
            if value > 0:
                parts.append(f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                             f'height="{h:.1f}" fill="#2f6f9f"><title>{escape(tooltip)}</title></rect>')
            parts.append(f'<text class="value" x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - h - 3:.1f}" '
                         f'text-anchor="middle" font-size="10" fill="#1f2933">{value}{"%" if percent else ""}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                     f'font-size="11" fill="#1f2933">{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#4a5562"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="12" '
                 f'fill="#1f2933">{escape(y_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _ticks(max_value, percent):
    if percent:
        return [0, 25, 50, 75, 100]
    step = max(1, -(-max_value // 4))
    return list(range(0, max_value + 1, step))


def score_distribution(rows) -> Markup:
    """How many finished attempts got each score (or each 20% band for long quizzes)."""
    finished = [r for r in rows if r["status"] == "finished"]
    totals = {r["total"] for r in finished} or {0}
    if len(totals) == 1 and 0 < max(totals) <= 20:
        total = max(totals)
        counts = [sum(1 for r in finished if r["score"] == s) for s in range(total + 1)]
        bars = [(f"{s}/{total}", c, f"{c} trainee(s) scored {s} of {total}") for s, c in enumerate(counts)]
    else:
        bands = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]
        counts = [sum(1 for r in finished if lo <= r["percent"] <= hi) for lo, hi in bands]
        bars = [(f"{lo}–{hi}%", c, f"{c} trainee(s) scored {lo}–{hi}%") for (lo, hi), c in zip(bands, counts)]
    return bar_chart(bars, max(counts), "Score distribution of finished attempts", "score (finished attempts)")


def item_difficulty(items) -> Markup:
    """% of answers right per item; items nobody answered yet have no bar."""
    bars = [(str(r["number"]), r["percent"],
             f"Item {r['number']}: {r['percent']}% right ({r['right']} of {r['answered']})" if r["answered"]
             else f"Item {r['number']}: no answers yet") for r in items]
    return bar_chart(bars, 100, "Per-item difficulty: share of answers right", "item (% of answers right)",
                     percent=True)
