/**
 * A case-insensitive multi-map of header fields that remembers insertion order
 * and the original spelling of each name, because that is what goes on the wire.
 *
 * Lookups scan a flat array: requests and responses carry a handful of headers,
 * and a linear scan over a few short strings beats building a hash map per message.
 */

export type HeadersInit = Headers | Record<string, string | number | readonly (string | number)[]> | Iterable<readonly [string, string | number]>;

export class Headers implements Iterable<[string, string]> {
  /** Names as given. */
  private names: string[];
  /** The same names in lower case, for lookups. */
  private keys: string[];
  private values: string[];
  /** Bumped by every change, so a serialized form can tell it is still current. */
  private changes = 0;
  /**
   * The three arrays may be another Headers' too (copy on write): a copy (one per request, of the
   * Client's defaults) shares them until either side changes, and the one that changes copies
   * first. A request whose headers are only read costs no arrays (bench:scale, queued requests).
   */
  // Stryker disable next-line BooleanLiteral: starting shared only costs one copy at the first change
  private shared = false;

  constructor(init?: HeadersInit) {
    const copy = init instanceof Headers;
    this.names = copy ? init.names : [];
    this.keys = copy ? init.keys : [];
    this.values = copy ? init.values : [];
    if (copy) this.shared = init.shared = true;
    if (init === undefined || copy) return;
    if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, string | number]>) this.append(name, value);
    } else {
      for (const name of Object.keys(init)) {
        const value = (init as Record<string, string | number | readonly (string | number)[]>)[name]!;
        if (Array.isArray(value)) for (const v of value) this.append(name, v);
        else this.append(name, value as string | number);
      }
    }
  }

  /** Builds headers from a flat `[name, value, name, value, ...]` list, as the parser produces. */
  static fromRaw(raw: readonly string[]): Headers {
    const h = new Headers();
    const n = raw.length >> 1;
    // Stryker disable next-line ArrayDeclaration: a preallocated array is a speed-up; an empty one grows to the same
    h.names = new Array<string>(n);
    // Stryker disable next-line ArrayDeclaration: as above
    h.keys = new Array<string>(n);
    // Stryker disable next-line ArrayDeclaration: as above
    h.values = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const name = raw[2 * i]!;
      h.names[i] = name;
      h.keys[i] = name.toLowerCase();
      h.values[i] = raw[2 * i + 1]!;
    }
    return h;
  }

  get size(): number {
    return this.names.length;
  }

  /** @internal A number that changes whenever the fields do (the Client's prepared defaults use it). */
  get revision(): number {
    return this.changes;
  }

  /** The i-th field's name as given (0 <= i < size): index loops avoid an iterator and a pair per field. */
  nameAt(i: number): string {
    return this.names[i]!;
  }

  /** The i-th field's name in lower case. */
  keyAt(i: number): string {
    return this.keys[i]!;
  }

  /**
   * Every field named in `other` replaced by other's fields of that name (all of them, in their
   * order, at the end), as httpx's `Headers.update()`: how a request's headers merge over a
   * client's defaults.
   */
  update(other: Headers): this {
    if (other.size === 0) return this;
    this.changes++;
    // One pass into new arrays (shared or not, ours are replaced): the fields other does not name, then other's.
    const names: string[] = [];
    const keys: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (other.keys.includes(this.keys[i]!)) continue;
      names.push(this.names[i]!);
      keys.push(this.keys[i]!);
      values.push(this.values[i]!);
    }
    for (let i = 0; i < other.keys.length; i++) {
      names.push(other.names[i]!);
      keys.push(other.keys[i]!);
      values.push(other.values[i]!);
    }
    this.names = names;
    this.keys = keys;
    this.values = values;
    // Stryker disable next-line BooleanLiteral: left shared, the next change only copies once more
    this.shared = false;
    return this;
  }

  valueAt(i: number): string {
    return this.values[i]!;
  }

  /** All values of `name` joined with ", ", or null. Set-Cookie is never joined: use getSetCookie(). */
  get(name: string): string | null {
    const key = name.toLowerCase();
    let out: string | null = null;
    // Stryker disable next-line EqualityOperator: one step past the end reads undefined, which is no key
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key) continue;
      out = out === null ? this.values[i]! : `${out}, ${this.values[i]!}`;
    }
    return out;
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    // Stryker disable next-line EqualityOperator: one step past the end reads undefined, which is no key
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.values[i]!);
    return out;
  }

  getSetCookie(): string[] {
    return this.getAll("set-cookie");
  }

  has(name: string): boolean {
    return this.keys.includes(name.toLowerCase());
  }

  append(name: string, value: string | number): this {
    // Stryker disable next-line ConditionalExpression: copying when not shared costs time, changes nothing
    if (this.shared) this.unshare();
    this.changes++;
    this.names.push(name);
    this.keys.push(name.toLowerCase());
    this.values.push(String(value));
    return this;
  }

  /** Replaces every value of `name` with one value, keeping the position of the first. */
  set(name: string, value: string | number): this {
    // Stryker disable next-line ConditionalExpression: copying when not shared costs time, changes nothing
    if (this.shared) this.unshare();
    const key = name.toLowerCase();
    const first = this.keys.indexOf(key);
    if (first === -1) return this.append(name, value);
    this.changes++;
    this.names[first] = name;
    this.values[first] = String(value);
    this.removeFrom(key, first + 1);
    return this;
  }

  delete(name: string): this {
    // Stryker disable next-line ConditionalExpression: copying when not shared costs time, changes nothing
    if (this.shared) this.unshare();
    this.changes++;
    this.removeFrom(name.toLowerCase(), 0);
    return this;
  }

  /** Makes the arrays this Headers' own before it changes them (see `shared`). */
  private unshare(): void {
    this.names = this.names.slice();
    this.keys = this.keys.slice();
    this.values = this.values.slice();
    // Stryker disable next-line BooleanLiteral: left shared, the next change only copies once more
    this.shared = false;
  }

  private removeFrom(key: string, start: number): void {
    // Stryker disable next-line ArithmeticOperator: starting past the end reads undefined, which is no key
    for (let i = this.keys.length - 1; i >= start; i--) {
      if (this.keys[i] !== key) continue;
      this.names.splice(i, 1);
      this.keys.splice(i, 1);
      this.values.splice(i, 1);
    }
  }

  /** Each field as sent or received: original name casing, repeated names repeated. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i]!, this.values[i]!];
  }

  entries(): IterableIterator<[string, string]> {
    return this[Symbol.iterator]();
  }

  /** Lower-case names, each once, in order of first appearance. */
  keysLower(): string[] {
    return [...new Set(this.keys)];
  }

  /** A plain object keyed by lower-case name, repeated values joined (Set-Cookie as an array). */
  toJSON(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const key of this.keysLower()) out[key] = key === "set-cookie" ? this.getSetCookie() : this.get(key)!;
    return out;
  }
}
