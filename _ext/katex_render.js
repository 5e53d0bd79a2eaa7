// Render TeX with KaTeX for _ext/katex_math.py: one JSON request a line on stdin
// ({"tex": "...", "display": true}), one JSON answer a line on stdout
// ({"html": "..."} or {"error": "..."}). KaTeX comes from the site's node_modules.
"use strict";
const path = require("path");
const readline = require("readline");
const katex = require(path.resolve(process.argv[2] || ".", "node_modules", "katex"));

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    answer = {
      html: katex.renderToString(request.tex, {
        displayMode: Boolean(request.display),
        output: "htmlAndMathml",
        throwOnError: true,
        strict: "error",
        trust: false,
        macros: request.macros || {},
      }),
    };
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
