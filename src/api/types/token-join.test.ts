import { describe, expect, it } from 'vitest';
import { validateToken } from './token.js';

const token = (spec: Record<string, unknown>) => ({ kind: 'token', version: 'v2', metadata: { name: 't' }, spec: { roles: ['node'], ...spec } });

describe('token v2 join method fields', () => {
  it('ec2: rules need aws_account; aws_iid_ttl defaults to 5m', () => {
    expect(validateToken(token({ join_method: 'ec2', allow: [{ aws_account: '111122223333', aws_regions: ['us-west-2'] }] })).spec.aws_iid_ttl).toBe('5m0s');
    expect(() => validateToken(token({ join_method: 'ec2', allow: [{ aws_regions: ['us-west-2'] }] }))).toThrow('spec.allow[0].aws_account: an ec2 allow rule needs the AWS account');
    expect(() => validateToken(token({ join_method: 'ec2' }))).toThrow('spec.allow: the "ec2" join method needs at least one allow rule');
  });

  it('iam: a rule needs aws_account or aws_arn', () => {
    expect(validateToken(token({ join_method: 'iam', allow: [{ aws_arn: 'arn:aws:iam::1:role/*' }] })).spec.join_method).toBe('iam');
    expect(() => validateToken(token({ join_method: 'iam', allow: [{ aws_regions: ['x'] }] }))).toThrow('spec.allow[0]: an iam allow rule needs aws_account or aws_arn');
  });

  it('kubernetes: type defaults to in_cluster, allow rules are namespace:name, static_jwks needs a JWKS', () => {
    expect(validateToken(token({ join_method: 'kubernetes', kubernetes: { allow: [{ service_account: 'teleport:agent' }] } })).spec.kubernetes).toEqual({ type: 'in_cluster', allow: [{ service_account: 'teleport:agent' }] });
    expect(() => validateToken(token({ join_method: 'kubernetes', kubernetes: {} }))).toThrow('spec.kubernetes.allow: the kubernetes join method needs at least one allow rule');
    expect(() => validateToken(token({ join_method: 'kubernetes', kubernetes: { allow: [{ service_account: 'agent' }] } }))).toThrow('spec.kubernetes.allow[0].service_account: "agent" is not "namespace:name"');
    expect(() => validateToken(token({ join_method: 'kubernetes', kubernetes: { type: 'oidc', allow: [{ service_account: 'a:b' }] } }))).toThrow('spec.kubernetes.type');
    expect(() => validateToken(token({ join_method: 'kubernetes', kubernetes: { type: 'static_jwks', static_jwks: { jwks: 'nope' }, allow: [{ service_account: 'a:b' }] } }))).toThrow('spec.kubernetes.static_jwks.jwks: not JSON');
    expect(() => validateToken(token({ join_method: 'kubernetes', kubernetes: { type: 'static_jwks', static_jwks: { jwks: '{"keys":[]}' }, allow: [{ service_account: 'a:b' }] } }))).toThrow('the JWKS has no keys');
  });
});
