/** The page's only stylesheet (inline, allowed by the response's CSP nonce). Colours meet WCAG AA contrast. */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5360; --line: #c9ced6; --accent: #0b5cad; --accent-ink: #ffffff; --danger: #a4141f; --bg: #ffffff; --panel: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
.skip { position: absolute; left: -9999px; top: 0; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem 1rem; border: 2px solid var(--accent); z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
header.site, footer.site { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .75rem 1.25rem; background: var(--panel); border-bottom: 1px solid var(--line); }
footer.site { border-top: 1px solid var(--line); border-bottom: 0; color: var(--muted); font-size: .875rem; margin-top: 3rem; }
.brand { margin: 0; font-weight: 600; }
main { display: block; max-width: 56rem; margin: 0 auto; padding: 1.5rem 1.25rem; }
main:focus { outline: none; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: .5rem 0 1rem; word-break: break-word; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .75rem 1.5rem; margin: 0 0 1.5rem; }
.facts div { margin: 0; }
.facts dt { color: var(--muted); font-size: .875rem; }
.facts dd { margin: 0; font-weight: 500; word-break: break-word; }
.facts .zone { display: block; color: var(--muted); font-size: .875rem; font-weight: 400; }
video { display: block; width: 100%; max-height: 70vh; background: #000; border-radius: 6px; }
audio { display: block; width: 100%; }
.button, button { display: inline-block; font: inherit; font-weight: 600; padding: .55rem 1rem; border-radius: 6px; border: 2px solid var(--accent); background: var(--accent); color: var(--accent-ink); text-decoration: none; cursor: pointer; }
button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--danger); border-color: var(--danger); }
.button:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible, a:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
a { color: var(--accent); }
.actions { margin: 1rem 0; display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 1rem 0; }
form.inline label { display: block; font-size: .875rem; color: var(--muted); }
input[type="number"] { width: 7rem; }
input { font: inherit; padding: .45rem .6rem; border: 1px solid var(--muted); border-radius: 6px; }
.new-link { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.new-link input { width: 100%; margin: .25rem 0 .75rem; }
.new-link p { margin-top: 0; }
.new-link .status { margin: .75rem 0 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; margin-bottom: .5rem; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
td form { margin: 0; }
ul.tracks { list-style: none; padding: 0; }
ul.tracks li { padding: .75rem 0; border-bottom: 1px solid var(--line); }
ul.tracks .track-name { font-weight: 600; display: block; margin-bottom: .25rem; }
details { margin: 1rem 0; }
summary { cursor: pointer; color: var(--danger); font-weight: 600; }
.alert { color: var(--danger); font-weight: 600; }
.status:empty { display: none; }
.status { background: var(--panel); border-left: 4px solid var(--accent); padding: .5rem 1rem; }
.signout { display: flex; gap: .75rem; align-items: center; margin: 0; }
.signout button { padding: .3rem .75rem; }
.watch.with-transcript { display: grid; grid-template-columns: minmax(0, 2fr) minmax(14rem, 1fr); gap: 1.25rem; align-items: start; }
@media (max-width: 48rem) { .watch.with-transcript { grid-template-columns: 1fr; } }
.transcript-panel h2 { margin-top: 0; }
.transcript, .chapters, .speakers { list-style: none; margin: 0; padding: 0; }
.transcript { max-height: 28rem; overflow-y: auto; border: 1px solid var(--line); border-radius: .25rem; }
button.seek { font: inherit; color: var(--ink); background: none; border: 0; text-align: left; width: 100%; padding: .375rem .5rem; cursor: pointer; }
button.seek:hover, button.seek:focus-visible { background: var(--panel); outline: 2px solid var(--accent); outline-offset: -2px; }
.cue.active { background: #dbe9f7; }
.cue-time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .25rem; }
.cue-speaker { font-weight: 600; }
.speaker-row { display: grid; grid-template-columns: 9rem 1fr; gap: .5rem; align-items: center; margin: .25rem 0; }
.speaker-line { position: relative; height: 1.25rem; background: var(--panel); border: 1px solid var(--line); }
.speaker-line button.segment { position: absolute; top: 0; bottom: 0; width: auto; padding: 0; background: var(--accent); min-width: 2px; }
.summary { overflow-wrap: anywhere; }
`;
