// MLflow UI links. The compare page's route is the one MLflow 3.x's UI builds itself
// (Routes.getCompareRunPageRoute in mlflow/server/js: `/compare-runs?runs=[…]&experiments=[…]`, both JSON
// arrays, experiment ids de-duplicated and sorted), behind the UI's hash router.

/** The MLflow UI page comparing `runIds` (from experiments `experimentIds`). */
export function compareRunsUrl(trackingUri: string, runIds: readonly string[], experimentIds: readonly string[]): string {
  const base = trackingUri.replace(/\/+$/, '');
  const exps = [...new Set(experimentIds)].sort();
  return `${base}/#/compare-runs?runs=${JSON.stringify(runIds)}&experiments=${JSON.stringify(exps)}`;
}
