/**
 * Options objects are checked against the names they may hold, as httpx raises on
 * an unknown keyword argument: a typo (`timeOut`, `follow_redirects`) or an option
 * this version does not have must not be silently ignored, least of all one that
 * changes where a request goes (`proxy`).
 */

/** Throws a TypeError naming `where`, the unknown option and the known ones, if `options` has a name not in `known`. */
export function checkOptions(where: string, options: object | undefined, known: ReadonlySet<string>): void {
  if (options === undefined || options === null) return;
  for (const name in options) {
    if (known.has(name)) continue;
    // An option given as undefined is the same as one not given, as in a spread of defaults.
    if ((options as Record<string, unknown>)[name] === undefined) continue;
    throw new TypeError(`${where}: unknown option ${JSON.stringify(name)}; known options: ${[...known].join(", ")}`);
  }
}
