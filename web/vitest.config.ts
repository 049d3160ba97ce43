import { defineConfig } from 'vitest/config';

// Component tests beside the code (src/**/*.test.ts[x]) in happy-dom; run by ctest `web_unit`.
export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    pool: 'threads',
    maxWorkers: 2,
    isolate: false,
  },
});
