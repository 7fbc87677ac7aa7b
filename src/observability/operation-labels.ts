/**
 * Bounded metric labels for GraphQL operation names. A client picks its
 * operation names, so using them as labels as sent would let anyone grow the
 * metrics without bound. Known names (configured) keep their own label;
 * without a configured list, the first `maxDynamic` distinct names seen do;
 * every other name is `other`, and an unnamed operation is `anonymous`.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class OperationLabels {
  private readonly known: Set<string>;
  private readonly learn: boolean;
  private readonly maxDynamic: number;

  constructor(options: { known?: readonly string[]; maxDynamic: number }) {
    this.known = new Set(options.known ?? []);
    this.learn = options.known === undefined;
    this.maxDynamic = options.maxDynamic;
  }

  /** The label for an operation name. */
  label(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.known.has(name)) return name;
    if (this.learn && NAME.test(name) && this.known.size < this.maxDynamic) {
      this.known.add(name);
      return name;
    }
    return 'other';
  }
}
