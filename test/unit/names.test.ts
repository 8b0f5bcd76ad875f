import { describe, expect, it } from 'vitest';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isRelaxedEnvVarName,
  isValidCIDR,
  isValidIP,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  validateNamespaceName,
  validatePodName,
  validateServiceName,
} from '../../src/api/names.js';

const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('DNS names', () => {
  it('uses kube exact DNS-1123 label message, double space included', () => {
    expect(isDNS1123Label('My_Name')).toEqual([labelMsg]);
    expect(isDNS1123Label('web-1')).toEqual([]);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it.each([
    ['example.com', true],
    ['a.b-c.d', true],
    ['-bad.com', false],
    ['UPPER.com', false],
    ['a..b', false],
  ])('subdomain %s valid=%s', (v, ok) => {
    expect(isDNS1123Subdomain(v).length === 0).toBe(ok);
  });

  it('long subdomain reports the 253 limit', () => {
    expect(isDNS1123Subdomain(`${'a'.repeat(250)}.com`)).toContain('must be no more than 253 characters');
  });

  it('DNS-1035 labels must start with a letter', () => {
    expect(isDNS1035Label('1web')[0]).toMatch(/^a DNS-1035 label must consist of lower case alphanumeric/);
    expect(isDNS1035Label('web1')).toEqual([]);
  });

  it('wildcard subdomains', () => {
    expect(isWildcardDNS1123Subdomain('*.example.com')).toEqual([]);
    expect(isWildcardDNS1123Subdomain('foo.*.com')[0]).toMatch(
      /^a wildcard DNS-1123 subdomain must start with/,
    );
  });
});

describe('ports and other formats', () => {
  it.each([
    [0, false],
    [1, true],
    [65535, true],
    [65536, false],
  ])('port number %d valid=%s', (p, ok) => {
    expect(isValidPortNum(p)).toEqual(ok ? [] : ['must be between 1 and 65535, inclusive']);
  });

  it.each([
    ['http', []],
    ['web-80', []],
    ['8080', ['must contain at least one letter (a-z)']],
    ['a--b', ['must not contain consecutive hyphens']],
    ['-web', ['must not begin or end with a hyphen']],
    [
      'HTTP',
      [
        'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'must contain at least one letter (a-z)',
      ],
    ],
    ['abcdefghijklmnop', ['must be no more than 15 characters']],
  ])('port name %s', (name, msgs) => {
    expect(isValidPortName(name)).toEqual(msgs);
  });

  it('C identifiers and relaxed env var names', () => {
    expect(isCIdentifier('MY_VAR')).toEqual([]);
    expect(isCIdentifier('1VAR')[0]).toMatch(/^a valid C identifier/);
    expect(isRelaxedEnvVarName('my.var-1')).toEqual([]);
    expect(isRelaxedEnvVarName('A=B')).toEqual([
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    ]);
    expect(isRelaxedEnvVarName('')).toEqual(['environment variable name must be non-empty']);
  });

  it('config map keys', () => {
    expect(isConfigMapKey('app.properties')).toEqual([]);
    expect(isConfigMapKey('a/b')[0]).toMatch(/^a valid config key must consist of alphanumeric characters/);
    expect(isConfigMapKey('..data')).toEqual(["must not start with '..'"]);
    expect(isConfigMapKey('.')).toEqual(["must not be '.'"]);
  });

  it('percents, IPs and CIDRs', () => {
    expect(isValidPercent('25%')).toEqual([]);
    expect(isValidPercent('25')[0]).toMatch(
      /^a valid percent string must be a numeric string followed by an ending '%'/,
    );
    expect(isValidIP('10.0.0.1')).toEqual([]);
    expect(isValidIP('2001:db8::1')).toEqual([]);
    expect(isValidIP('::ffff:10.0.0.1')).toEqual([]);
    expect(isValidIP('10.0.0.256')).toEqual([
      'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
    expect(isValidIP('1:2:3')).toHaveLength(1);
    expect(isValidCIDR('10.244.0.0/24')).toEqual([]);
    expect(isValidCIDR('fd00::/64')).toEqual([]);
    expect(isValidCIDR('10.244.0.0/33')).toEqual([
      'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });
});

describe('per-kind name rules', () => {
  it('generateName may end with a dash', () => {
    expect(validatePodName('web-', true)).toEqual([]);
    expect(validatePodName('web-', false)).not.toEqual([]);
  });
  it('services use DNS-1035, namespaces DNS-1123 labels, pods subdomains', () => {
    expect(validateServiceName('1svc', false)).toHaveLength(1);
    expect(validatePodName('web.v1', false)).toEqual([]);
    expect(validateNamespaceName('team.a', false)).toHaveLength(1);
  });
});
