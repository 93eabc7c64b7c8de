"""A real browser for the HTML tests: headless Chromium loads a page at a phone's width and reports, from
inside the page, what a reader would see: images that failed, MathML errors, math drawn with no width,
and content wider than the screen."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)),
                None)
WHY = "needs Chromium (Debian: apt-get install chromium; .ci/run installs it)"
PHONE = (412, 915)

_PROBE = """<script>
addEventListener('load', () => {
  const images = [...document.images], maths = [...document.getElementsByTagName('math')];
  document.body.setAttribute('data-check', JSON.stringify({
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    math: maths.length,
    mathml: maths.length > 0 && maths[0] instanceof MathMLElement,
    merror: document.getElementsByTagName('merror').length,
    blank_math: maths.filter(m => m.getBoundingClientRect().width === 0).length,
    small_matrices: [...document.getElementsByTagName('mtable')].filter(t => {
      const cell = t.querySelector('mn, mi');
      const around = parseFloat(getComputedStyle(t.closest('math').parentElement).fontSize);
      return cell && parseFloat(getComputedStyle(cell).fontSize) < 0.85 * around;
    }).length,
    tex_text: (document.body.innerText.match(/\\\\(cr|mathrm|mathit|frac|begin|end|left|right)\\b/g) || []).length,
    overflow: document.documentElement.scrollWidth - innerWidth}));
});
</script>"""


def _flags(width: int, height: int) -> list[str]:
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
            "--no-first-run", f"--window-size={width},{height}", "--virtual-time-budget=3000"]


def inspect(page: Path, scratch: Path, size=PHONE) -> dict:
    """What the page shows when loaded in Chromium at `size` (a copy with the probe is loaded)."""
    probe = scratch / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    done = subprocess.run(_flags(*size) + ["--dump-dom", probe.as_uri()], capture_output=True, text=True,
                          timeout=120)
    found = re.search(r'data-check="([^"]*)"', done.stdout)
    assert found, f"Chromium did not run the probe on {page.name}: {done.stderr[-800:]}"
    return json.loads(html.unescape(found.group(1)))


def screenshot(page: Path, png: Path, size=(412, 2400)) -> Path:
    subprocess.run(_flags(*size) + [f"--screenshot={png}", page.as_uri()], capture_output=True, timeout=120)
    return png
