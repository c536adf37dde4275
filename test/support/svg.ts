/** Reading the timeline's SVG back with a real XML parser (fast-xml-parser): is it XML, and what does it hold. */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export interface Group {
  class: string;
  attributes: Record<string, string>;
  /** Class names of the <rect>s directly inside. */
  rects: string[];
  title: string | undefined;
}

/** Throws unless `svg` is well-formed XML with an <svg> root; returns every <g> with a class, depth first. */
export function groupsOf(svg: string): Group[] {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => ["g", "rect", "text", "line", "path", "title"].includes(name) }).parse(svg) as Record<string, unknown>;
  if (tree.svg === undefined) throw new Error("no <svg> root");
  const out: Group[] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === "g") {
        for (const g of value as Record<string, unknown>[]) {
          if (typeof g.class === "string") {
            const attributes = Object.fromEntries(Object.entries(g).filter(([, v]) => typeof v === "string")) as Record<string, string>;
            const rects = ((g.rect as Record<string, string>[] | undefined) ?? []).map((r) => r.class ?? "");
            const title = (g.title as unknown[] | undefined)?.[0];
            out.push({ class: g.class, attributes, rects, title: typeof title === "string" ? title : undefined });
          }
          walk(g);
        }
      } else if (typeof value === "object") walk(value);
    }
  };
  walk(tree);
  return out;
}
