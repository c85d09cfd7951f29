import got from 'got';
import { z } from 'zod';
import { Worker } from '@temporalio/worker';
import Fastify from 'fastify';
import { SeededRandom } from '../src/simulators/common/random.js';
test('loads', () => {
  expect(typeof got).toBe('function');
  expect(typeof Worker.create).toBe('function');
  expect(z.string().parse('a')).toBe('a');
  expect(typeof Fastify).toBe('function');
  expect(new SeededRandom(1).next()).toBeLessThan(1);
});
