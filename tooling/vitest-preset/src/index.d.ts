/** The export condition that maps workspace packages to their TypeScript sources. */
export declare const SOURCE_CONDITION: '@elara/source';
/** Folder (relative to a package) whose suites use real sockets and run serially. */
export declare const NETWORK_TESTS: string;
/** Options of {@link elaraProject}. */
export interface ElaraProjectOptions {
  /** Test timeout in ms (default 120 s: slow property suites take long). */
  readonly testTimeout?: number;
}
type Resolve = {
  resolve: { conditions: string[] };
  ssr: { resolve: { conditions: string[]; externalConditions: string[] } };
};
/** Resolve options shared by all projects, so imports resolve to sources. */
export declare const sourceResolve: Resolve;
/** The unit-test project of one package or app (`test/**` except the network suites). */
export declare function elaraProject(
  root: string,
  options?: ElaraProjectOptions,
): Resolve & { test: Record<string, unknown> & { name: string } };
/** The serial `network` project gathering every `test/network/**` suite. */
export declare function networkProject(
  repoRoot: string,
): Resolve & { test: Record<string, unknown> & { name: string } };
