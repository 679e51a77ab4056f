import { describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError, NotFoundError } from '../api/errors.js';
import { dynamoError } from './errors.js';

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });
const map = (err: unknown) => dynamoError(err, 'dynamodb backend', 'put /a', 'set region in the storage section') as Error;

describe('dynamoError', () => {
  it('says where to set a missing region, as a configuration error', () => {
    const e = map(new Error('Region is missing'));
    expect(e).toBeInstanceOf(BadParameterError);
    expect(e.message).toBe('dynamodb backend: put /a: Region is missing; set region in the storage section');
  });

  it('maps an invalid request to BadParameterError and the rest to ConnectionProblemError, naming the SDK error', () => {
    expect(map(named('ValidationException', 'bad key'))).toBeInstanceOf(BadParameterError);
    const e = map(named('ProvisionedThroughputExceededException', 'slow down'));
    expect(e).toBeInstanceOf(ConnectionProblemError);
    expect(e.message).toBe('dynamodb backend: put /a: ProvisionedThroughputExceededException: slow down');
    expect((e as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
  });

  it('passes our typed errors through', () => {
    const ours = new NotFoundError('key /a is not found');
    expect(map(ours)).toBe(ours);
  });
});
