/** One step of a store's schema. Each adapter lists its own, applied in order at open. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
