/**
 * Renders docs/reliability.md from the catalogue, so the document can never
 * describe cases that do not exist or miss ones that do.
 *
 *   npm run docs:reliability
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { catalogue, errorNames, type Case, type Step } from "./catalogue.js";

const DOC = fileURLToPath(new URL("../../docs/reliability.md", import.meta.url));

function describeStep(step: Step): string {
  if (typeof step === "string") {
    if (["end", "reset", "destroy", "stall", "stop reading"].includes(step)) return `*${step}*`;
    const shown = step.length > 70 ? `${step.slice(0, 60)}… (${step.length} bytes)` : step;
    return "`" + JSON.stringify(shown).slice(1, -1).replaceAll("`", "\\`").replaceAll("|", "\\|") + "`";
  }
  if (Buffer.isBuffer(step)) return `${step.length} bytes`;
  return `*wait ${step.wait} ms*`;
}

function describeScript(c: Case): string {
  const steps = c.script.length > 8 ? [...c.script.slice(0, 4).map(describeStep), `… ${c.script.length} steps`] : c.script.map(describeStep);
  return (c.atAccept ? "on accept: " : "") + steps.join(" → ");
}

function describeExpect(c: Case): string {
  const e = c.expect;
  if ("error" in e) {
    const parts = [`**${errorNames.get(e.error) ?? e.error.name}**`];
    if (e.code) parts.push(`\`${e.code}\``);
    if (e.phase) parts.push(`in ${e.phase}`);
    return parts.join(" ");
  }
  return `**${e.status}**${e.body !== undefined ? ` body \`${e.body}\`` : ""}, connection ${e.reused ? "reused" : "not reused"}`;
}

export function renderReliabilityDoc(): string {
  const lines = [
    "# Reliability: how wirepool treats misbehaving servers",
    "",
    "<!-- Generated from test/reliability/catalogue.ts by `npm run docs:reliability`; do not edit by hand. -->",
    "",
    `Every case below is a raw \`net\` server in test/reliability/catalogue.test.ts that answers the first request on a`,
    "connection with exactly the bytes shown (then pauses, closes, resets or stalls as shown). Each case runs twice:",
    "with the writes as listed, and with every write split into single bytes. After each case the same client sends",
    "another request, which the server answers with a clean `200 fine`: it must succeed and must not see anything the",
    "bad server sent. \"Reused\" says whether that second request went over the same connection.",
    "",
    "Rules that hold in every case: a body cut short is an error, never a short success; a connection that saw",
    "anything unexpected is closed, never handed out again; every error is typed, names the request (method and URL)",
    "and the phase, and keeps the underlying error as `cause`. Errors are never retried on a new connection, except",
    "for the one retry of an idempotent request whose reused connection died before any response byte (see pooling.md).",
    "",
    `${catalogue.length} cases.`,
    "",
  ];
  for (const group of [...new Set(catalogue.map((c) => c.group))]) {
    lines.push(`## ${group}`, "", "| case | server sends | wirepool | why |", "|---|---|---|---|");
    for (const c of catalogue.filter((k) => k.group === group)) {
      const req = c.request ? ` (${[c.request.method, c.request.body ? `${c.request.body.length} byte body` : "", c.request.readTimeout ? `read timeout ${c.request.readTimeout} ms` : "", c.request.maxHeaderSize ? `maxHeaderSize ${c.request.maxHeaderSize}` : "", c.request.maxResponseSize ? `maxResponseSize ${c.request.maxResponseSize}` : ""].filter(Boolean).join(", ")})` : "";
      lines.push(`| ${c.name}${req} | ${describeScript(c)} | ${describeExpect(c)} | ${c.why} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(DOC, renderReliabilityDoc());
  console.log(`wrote ${DOC}`);
}
