import { afterAll } from 'vitest';
import { healEngine } from '../../src/engines/heal.js';
import { closeHelpers } from '../../src/engines/_patchmatch_pool.js';
import { engineContract } from './engine.case.js';

engineContract('heal', async () => healEngine);
afterAll(() => closeHelpers());
