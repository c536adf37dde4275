/** `npm run lessons`: every lesson in turn, their pictures in one folder (`--out DIR`, default ./lessons-out). */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { out: { type: "string", default: "lessons-out" } } });
const lessons = [
  "01-one-shot-vs-client",
  "02-client-per-call",
  "03-limits-and-queue",
  "04-keep-alive-expiry",
  "05-server-closes-idle",
  "06-forgotten-stream",
  "07-sequential-vs-concurrent",
];
for (const name of lessons) {
  console.log(`\n=== lesson ${name}\n`);
  const lesson = (await import(`./${name}.js`)) as { run(o: { out: string; print: (l: string) => void }): Promise<unknown> };
  await lesson.run({ out: values.out!, print: (line) => console.log(line) });
}
console.log(`\npictures in ${values.out}/ (SVG, and HTML with details on hover)`);
