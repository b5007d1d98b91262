import { describe, expect, it } from 'vitest';
import { compareRunsUrl, experimentUrl, runUrl, xpExperimentTags } from './ui-urls.js';

describe('MLflow UI links', () => {
  it('put the model-training query inside the hash route, where the UI reads it', () => {
    expect(runUrl('http://h:5000/', '4', 'abc')).toBe('http://h:5000/#/experiments/4/runs/abc?workflowType=machine_learning');
    expect(experimentUrl('http://h:5000', '4')).toBe('http://h:5000/#/experiments/4/runs?workflowType=machine_learning&viewStateShareKey=xp');
    for (const u of [runUrl('http://h', '1', 'r'), experimentUrl('http://h', '1'), compareRunsUrl('http://h', ['r'], ['1'])]) {
      const hash = new URL(u).hash;
      expect(new URLSearchParams(hash.slice(hash.indexOf('?'))).get('workflowType'), u).toBe('machine_learning');
    }
  });

  it('build MLflow 3.x compare-runs URLs with JSON lists and sorted, unique experiment ids', () => {
    expect(compareRunsUrl('http://h:5000/', ['r1', 'r2'], ['2', '10', '2'])).toBe(
      'http://h:5000/#/compare-runs?runs=["r1","r2"]&experiments=["10","2"]&workflowType=machine_learning',
    );
  });

  it('escape experiment and run ids', () => {
    expect(runUrl('http://h', 'a/b', 'r 1')).toBe('http://h/#/experiments/a%2Fb/runs/r%201?workflowType=machine_learning');
  });

  it('tag experiments with the kind and the view the experiment link names', () => {
    const tags = xpExperimentTags();
    expect(tags['mlflow.experimentKind']).toBe('custom_model_development');
    const key = /viewStateShareKey=([^&]+)/.exec(experimentUrl('http://h', '1'))![1];
    expect(JSON.parse(tags[`mlflow.sharedViewState.${key}`])).toEqual({
      selectedColumns: ['metrics.`val_exact_match`', 'metrics.`test_exact_match`', 'attributes.`Source`', 'attributes.`Models`'],
    });
  });

  it("lead the runs table with the task's headline, on validation and on test", () => {
    const view = (headline?: string) => JSON.parse(xpExperimentTags(headline)['mlflow.sharedViewState.xp']).selectedColumns.slice(0, 2);
    expect(view('val_accuracy')).toEqual(['metrics.`val_accuracy`', 'metrics.`test_accuracy`']);
    expect(view('rmse')).toEqual(['metrics.`val_rmse`', 'metrics.`test_rmse`']); // a first run without validation
  });
});
