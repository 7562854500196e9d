import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server fills in <base href> and the API base for wherever the app is mounted, so every URL
// in the build is relative ('./assets/…') and one build serves /admin or a host's own prefix.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
