import { describe, expect, it } from 'vitest';
import { proxiedArtifactRoot } from './artifacts.js';
import { MlflowTrackingUriError } from './errors.js';
import { resolveTrackingUri } from './tracking-env.js';

describe('resolveTrackingUri', () => {
  it('returns null when unset or empty, so the managed server is used', () => {
    expect(resolveTrackingUri({})).toBeNull();
    expect(resolveTrackingUri({ MLFLOW_TRACKING_URI: '  ' })).toBeNull();
  });

  it('accepts http(s) URLs and drops trailing slashes', () => {
    expect(resolveTrackingUri({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/' })).toBe('http://127.0.0.1:5000');
    expect(resolveTrackingUri({ MLFLOW_TRACKING_URI: 'https://ml.example.com/mlflow' })).toBe('https://ml.example.com/mlflow');
  });

  it.each(['file:///tmp/mlruns', 'sqlite:///mlflow.db', 'databricks', './mlruns'])('rejects %s, naming the variable', (value) => {
    const run = () => resolveTrackingUri({ MLFLOW_TRACKING_URI: value });
    expect(run).toThrow(MlflowTrackingUriError);
    expect(run).toThrow(/MLFLOW_TRACKING_URI=.*unset it to use the server xp manages/);
  });

  it('never echoes credentials embedded in the URL', () => {
    expect(() => resolveTrackingUri({ MLFLOW_TRACKING_URI: 'ftp://ann:secret@host/' })).toThrow(/ftp:\/\/\*\*\*@host/);
  });
});

describe('proxiedArtifactRoot', () => {
  it.each([
    ['mlflow-artifacts:/1/abc/artifacts', '1/abc/artifacts'],
    ['mlflow-artifacts://srv:5000/1/abc/artifacts', '1/abc/artifacts'],
    ['http://srv:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts', '1/abc/artifacts'],
  ])('%s -> %s', (uri, expected) => {
    expect(proxiedArtifactRoot(uri)).toBe(expected);
  });

  it('explains artifact stores the server does not proxy', () => {
    expect(() => proxiedArtifactRoot('s3://bucket/1/abc/artifacts')).toThrow(/--serve-artifacts/);
  });
});
