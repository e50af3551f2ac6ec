/** The same tests under Vitest (`npx vitest run --config examples/merchant-tests/vitest.config.ts`). */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { shopTests } from './shop-cases.js';

shopTests({ describe, test, beforeAll, afterAll });
