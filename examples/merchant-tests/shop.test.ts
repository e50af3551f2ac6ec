/** The shop's tests under node:test. */
import { after, before, describe, test } from 'node:test';
import { shopTests } from './shop-cases.js';

shopTests({ describe, test, beforeAll: before, afterAll: after });
