// Render each [tex, displayMode] pair from stdin (JSON) with KaTeX; print one error (or null) per pair.
const path = require('path');
const katex = require(process.env.KATEX_MODULE || path.join(__dirname, '..', '.ci', 'npm', 'node_modules', 'katex'));
const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const errors = items.map(([tex, display]) => {
  try {
    katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: 'error'});
    return null;
  } catch (e) {
    return String(e.message);
  }
});
process.stdout.write(JSON.stringify(errors));
