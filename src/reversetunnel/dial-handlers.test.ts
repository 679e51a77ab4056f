// The agent's dial-handler registry: one handler per tunnel type, requests for another server or an
// unregistered type refused with typed errors, and removal.
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, BadParameterError, NotImplementedError } from '../api/errors.js';
import { DialHandlers } from './dial-handlers.js';
import type { DialRequest } from './protocol.js';

const req = (type: DialRequest['type'], serverId = ''): DialRequest => ({ version: 'v1', type, address: 'x', server_id: serverId, client_addr: '' });
const peer = { remoteAddress: '10.0.0.1', remotePort: 1 };

describe('DialHandlers', () => {
  it('routes each request to the handler of its type', () => {
    const h = new DialHandlers('host.c');
    const taken: string[] = [];
    h.register('node', () => () => taken.push('node'));
    const remove = h.register('app', () => () => taken.push('app'));
    h.handle(req('app', 'host.c'), peer)(null as never);
    h.handle(req('node'), peer)(null as never);
    expect(taken).toEqual(['app', 'node']);
    expect(h.types()).toEqual(['app', 'node']);
    remove();
    expect(() => h.handle(req('app'), peer)).toThrow(NotImplementedError);
    expect(() => h.handle(req('app'), peer)).toThrow('this agent serves no app service at x');
  });

  it('refuses a request for another server and a second handler of one type', () => {
    const h = new DialHandlers('host.c');
    h.register('db', () => () => undefined);
    expect(() => h.handle(req('db', 'other.c'), peer)).toThrow(BadParameterError);
    expect(() => h.register('db', () => () => undefined)).toThrow(AlreadyExistsError);
  });
});
