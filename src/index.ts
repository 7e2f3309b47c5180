/**
 * `reclaim`: the kernel (events, policy API, projections, run pipeline, scheduler), the
 * built-in policies and the memory store. Node and browser presets live in `reclaim/node` and
 * `reclaim/browser`.
 */
import 'reflect-metadata';

export * from './kernel/index.js';
export * from './policies/index.js';
export * from './stores/memory/index.js';
