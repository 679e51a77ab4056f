import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { parseConfig } from './parse.js';

const storage = (body: string): string => `teleport:\n  data_dir: /var/lib/teleport\n  storage:\n${body}`;
const parse = (body: string): ReturnType<typeof parseConfig>['teleport']['storage'] =>
  parseConfig(storage(body), { hostname: 'h' }).teleport.storage;

describe('storage: good sections', () => {
  it('reads PostgreSQL as the HA guides write it, TLS settings inside conn_string', () => {
    const s = parse(`    type: postgresql
    conn_string: postgresql://teleport@pg.example.com:5432/teleport_backend?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem&pool_max_conns=20
    change_feed_conn_string: postgresql://replication@pg.example.com:5432/teleport_backend
    change_feed_poll_interval: 2s
    expiry_interval: 1m
    audit_events_uri: ['postgresql://teleport@pg.example.com:5432/teleport_audit', 'stdout://']
`);
    expect(s).toMatchObject({
      type: 'postgresql',
      auditEventsUri: ['postgresql://teleport@pg.example.com:5432/teleport_audit', 'stdout://'],
      postgresql: {
        connString: expect.stringContaining('sslmode=verify-full&sslrootcert=/ca.pem'),
        changeFeedConnString: 'postgresql://replication@pg.example.com:5432/teleport_backend',
        changeFeedPollInterval: 2000,
        expiryInterval: 60_000,
        disableExpiry: false,
      },
    });
    expect(s.etcd).toBeUndefined();
  });

  it('reads type postgres as postgresql', () => {
    expect(parse('    type: postgres\n    conn_string: postgres://root@127.0.0.1/test\n').type).toBe('postgresql');
  });

  it('reads etcd with TLS client certificates; a prefix gets its leading slash', () => {
    const s = parse(`    type: etcd
    peers: ["https://172.17.0.1:4001", "https://172.17.0.2:4001"]
    tls_cert_file: /var/lib/teleport/etcd-cert.pem
    tls_key_file: /var/lib/teleport/etcd-key.pem
    tls_ca_file: /var/lib/teleport/etcd-ca.pem
    prefix: teleport
    dial_timeout: 5s
    username: teleport
    password_file: /var/lib/teleport/etcd-password
`);
    expect(s).toMatchObject({
      type: 'etcd',
      etcd: {
        peers: ['https://172.17.0.1:4001', 'https://172.17.0.2:4001'],
        prefix: '/teleport',
        tlsCertFile: '/var/lib/teleport/etcd-cert.pem',
        tlsKeyFile: '/var/lib/teleport/etcd-key.pem',
        tlsCaFile: '/var/lib/teleport/etcd-ca.pem',
        insecure: false,
        dialTimeout: 5000,
        username: 'teleport',
        passwordFile: '/var/lib/teleport/etcd-password',
      },
    });
  });

  it('reads an insecure etcd with one peer and no CA', () => {
    expect(parse('    type: etcd\n    peers: http://127.0.0.1:2379\n    prefix: /teleport/\n    insecure: true\n').etcd).toMatchObject({
      peers: ['http://127.0.0.1:2379'],
      prefix: '/teleport/',
      insecure: true,
    });
  });

  it('reads DynamoDB as the AWS tutorials write it, with defaults', () => {
    const s = parse(`    type: dynamodb
    region: us-east-1
    table_name: teleport-backend
    audit_events_uri: ['dynamodb://teleport-events']
    audit_sessions_uri: 's3://teleport-sessions/records'
`);
    expect(s).toMatchObject({
      type: 'dynamodb',
      auditEventsUri: ['dynamodb://teleport-events'],
      auditSessionsUri: 's3://teleport-sessions/records',
      dynamodb: { region: 'us-east-1', tableName: 'teleport-backend', billingMode: 'pay_per_request', continuousBackups: false, autoScaling: false },
    });
  });

  it('reads DynamoDB provisioned capacity, keys, an endpoint and the poll period', () => {
    const s = parse(`    type: dynamodb
    table_name: t
    billing_mode: provisioned
    read_capacity_units: 20
    write_capacity_units: 10
    access_key: AKIAEXAMPLE
    secret_key: secret
    endpoint: http://127.0.0.1:4567
    poll_stream_period: 500ms
    continuous_backups: true
`);
    expect(s.dynamodb).toMatchObject({
      billingMode: 'provisioned',
      readCapacityUnits: 20,
      writeCapacityUnits: 10,
      accessKey: 'AKIAEXAMPLE',
      secretKey: 'secret',
      endpoint: 'http://127.0.0.1:4567',
      pollStreamPeriod: 500,
      continuousBackups: true,
    });
  });

  it('ignores auto_scaling on an on-demand table, as Teleport does', () => {
    expect(parse('    type: dynamodb\n    table_name: t\n    auto_scaling: true\n').dynamodb?.autoScaling).toBe(true);
  });

  it('keeps sqlite and dir as they were, with sync, journal and buffer_size', () => {
    expect(parse('    type: dir\n    path: /data/db\n    sync: full\n    journal: Delete\n    buffer_size: 512\n')).toMatchObject({
      type: 'dir',
      path: '/data/db',
      sqlite: { sync: 'FULL', journal: 'DELETE', bufferSize: 512 },
    });
    expect(parseConfig('teleport:\n  data_dir: /d\n', { hostname: 'h' }).teleport.storage).toMatchObject({ type: 'sqlite', path: '/d/backend' });
  });
});

// Each bad section: the key path the error names, its line (a missing key points at the section's first line, 4) and the text.
const BAD: [string, string, string, number, RegExp][] = [
  ['postgresql without conn_string', '    type: postgresql\n', 'teleport.storage.conn_string', 4, /needs conn_string/],
  ['a libpq key=value conn_string', '    type: postgresql\n    conn_string: host=db user=teleport\n', 'teleport.storage.conn_string', 5, /not a URL/],
  ['a mysql conn_string', '    type: postgresql\n    conn_string: mysql://root@db/x\n', 'teleport.storage.conn_string', 5, /postgresql:\/\//],
  ['a bad sslmode', '    type: postgresql\n    conn_string: postgresql://db/x?sslmode=always\n', 'teleport.storage.conn_string', 5, /sslmode "always"/],
  ['azure auth', '    type: postgresql\n    conn_string: postgresql://db/x\n    auth_mode: azure\n', 'teleport.storage.auth_mode', 6, /not available/],
  ['a bad poll interval', '    type: postgresql\n    conn_string: postgresql://db/x\n    change_feed_poll_interval: 5\n', 'teleport.storage.change_feed_poll_interval', 6, /unit/],
  ['etcd without peers', '    type: etcd\n    prefix: /t\n    insecure: true\n', 'teleport.storage.peers', 4, /missing "peers"/],
  ['an etcd peer without scheme', '    type: etcd\n    peers: [10.0.0.1:2379]\n    prefix: /t\n', 'teleport.storage.peers[0]', 5, /client URL/],
  ['etcd without prefix', '    type: etcd\n    peers: [https://e:2379]\n    tls_ca_file: /ca\n', 'teleport.storage.prefix', 4, /missing "prefix"/],
  ['etcd without a CA', '    type: etcd\n    peers: [https://e:2379]\n    prefix: /t\n', 'teleport.storage.tls_ca_file', 4, /missing "tls_ca_file"/],
  ['an etcd cert without key', '    type: etcd\n    peers: [https://e:2379]\n    prefix: /t\n    tls_ca_file: /ca\n    tls_cert_file: /c\n', 'teleport.storage.tls_cert_file', 8, /tls_key_file/],
  ['a bad insecure', '    type: etcd\n    peers: [http://e:2379]\n    prefix: /t\n    insecure: maybe\n', 'teleport.storage.insecure', 7, /boolean/],
  ['dynamodb without table_name', '    type: dynamodb\n    region: us-east-1\n', 'teleport.storage.table_name', 4, /DynamoDB: table_name is not specified/],
  ['a bad billing mode', '    type: dynamodb\n    table_name: t\n    billing_mode: on_demand\n', 'teleport.storage.billing_mode', 6, /pay_per_request, provisioned/],
  ['provisioned auto scaling', '    type: dynamodb\n    table_name: t\n    billing_mode: provisioned\n    auto_scaling: true\n', 'teleport.storage.auto_scaling', 7, /not available/],
  ['zero capacity', '    type: dynamodb\n    table_name: t\n    read_capacity_units: 0\n', 'teleport.storage.read_capacity_units', 6, /out of range/],
  ['an access key alone', '    type: dynamodb\n    table_name: t\n    access_key: AKIA\n', 'teleport.storage.access_key', 6, /go together/],
  ['an etcd key on postgresql', '    type: postgresql\n    conn_string: postgresql://db/x\n    peers: [https://e:2379]\n', 'teleport.storage.peers', 6, /setting of storage type etcd; this storage is type postgresql/],
  ['a dynamodb key on sqlite', '    path: /x\n    table_name: t\n', 'teleport.storage.table_name', 5, /storage type dynamodb/],
  ['a key of no storage type', '    type: etcd\n    peers: [http://e:2379]\n    prefix: /t\n    insecure: true\n    tls_verify: no\n', 'teleport.storage.tls_verify', 8, /unknown key/],
  ['a later type', '    type: firestore\n', 'teleport.storage.type', 4, /not available in this release yet/],
  ['sqlite poll_stream_period', '    type: sqlite\n    poll_stream_period: 1s\n', 'teleport.storage.poll_stream_period', 5, /no effect on this SQLite store: watchers get each write as it commits/],
  ['sqlite retention_period', '    retention_period: 1h\n', 'teleport.storage.retention_period', 4, /no effect on this SQLite store: it keeps no events table/],
  ['postgresql change_feed_batch_size', '    type: postgresql\n    conn_string: postgresql://db/x\n    change_feed_batch_size: 100\n', 'teleport.storage.change_feed_batch_size', 6, /no effect in this release: the change feed reads every pending event/],
  ['postgresql expiry_batch_size', '    type: postgresql\n    conn_string: postgresql://db/x\n    expiry_batch_size: 100\n', 'teleport.storage.expiry_batch_size', 6, /no effect in this release: each expiry pass deletes every expired item/],
  ['etcd client_pool_size', '    type: etcd\n    peers: [http://e:2379]\n    prefix: /t\n    insecure: true\n    client_pool_size: 3\n', 'teleport.storage.client_pool_size', 8, /one etcd client/],
  ['dynamodb retry_period', '    type: dynamodb\n    table_name: t\n    retry_period: 10s\n', 'teleport.storage.retry_period', 6, /retried every poll_stream_period/],
  ['provisioned read_min_capacity', '    type: dynamodb\n    table_name: t\n    billing_mode: provisioned\n    read_min_capacity: 5\n', 'teleport.storage.read_min_capacity', 7, /auto scaling policy, which is not available/],
  ['provisioned write_target_value', '    type: dynamodb\n    table_name: t\n    billing_mode: provisioned\n    write_target_value: 70\n', 'teleport.storage.write_target_value', 7, /auto scaling policy, which is not available/],
];

describe('storage: bad sections', () => {
  it.each(BAD)('%s', (_name, body, path, line, text) => {
    let err: unknown;
    try {
      parseConfig(storage(body), { hostname: 'h' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadParameterError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^teleport\\.yaml:${line}: ${path.replace(/[.[\]]/g, '\\$&')}: `));
    expect(message).toMatch(text);
  });
});
