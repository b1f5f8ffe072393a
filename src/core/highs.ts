import highsModule, { type LegacyHighs } from 'highs';

/** The HiGHS MILP solver (WebAssembly, in-process): `solve(lpText, options)` is synchronous. */
export type Highs = LegacyHighs;

/**
 * The package's loader. Node resolves `import` to its ES module, whose default export is the
 * loader; its one declaration file is typed as CommonJS, so TypeScript sees the loader one
 * level down, as `.default`.
 */
const loadHighsModule = highsModule as unknown as typeof highsModule.default;

let loading: Promise<Highs> | undefined;

/** HiGHS, compiled once per process on first use (the WebAssembly module takes ~50 ms to load). */
export function loadHighs(): Promise<Highs> {
  loading ??= loadHighsModule();
  return loading;
}

/** A coefficient in CPLEX LP text: shortest round-trip form, so the model is the numbers given. */
export function lpNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`LP coefficient ${value} is not finite`);
  return String(value);
}
