import type { BuildOptions } from 'esbuild';

export function cliBundleOptions(where: {
  entry: string;
  outdir: string;
  minify?: boolean;
  tsconfig?: string;
}): BuildOptions;
