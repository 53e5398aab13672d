import { engineContract } from './engine.case.js';
import { fakeEngine } from './_fake.js';

engineContract('fake (test-only)', async () => fakeEngine);
