export function bundleCli(where: {
  entry: string;
  launcher: string;
  outdir: string;
  minify?: boolean;
  tsconfig?: string;
}): Promise<void>;
