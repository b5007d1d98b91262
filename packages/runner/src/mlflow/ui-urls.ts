// Links into MLflow 3.17's UI, and the experiment tags that make its pages open as a model-training project.
//
// Checked against the 3.17.2 UI bundle (mlflow/server/js/build) and in Chromium:
// - The UI has a "GenAI | Model training" switch. It reads `?workflowType=machine_learning` from the query of
//   its HASH route (`/#/experiments/1?workflowType=…`; a query before the `#` is ignored) and keeps it across
//   its own links. Without it, a user who never flipped the switch lands on the GenAI trace overview.
// - The experiment tag `mlflow.experimentKind` (`custom_model_development`) is what the UI itself writes when a
//   user declares the experiment's kind; it is read where the switch is off, and by clients.
// - The runs table shows no metric columns by default. A "shared view" is the UI's own way to pass a table
//   layout by link: the experiment tag `mlflow.sharedViewState.<key>` holds the view's JSON, and
//   `?viewStateShareKey=<key>` on the `/runs` route loads it (the `/experiments/<id>` route redirects to
//   `/runs` and drops that parameter, so the link names `/runs` itself).

/** The experiment tag MLflow's UI reads for the experiment's kind. */
export const EXPERIMENT_KIND_TAG = 'mlflow.experimentKind';
/** The kind for training models (as opposed to `genai_development`). */
export const CUSTOM_MODEL_DEVELOPMENT = 'custom_model_development';
/** The hash-route query that opens the UI's model-training view. */
export const MODEL_TRAINING_QUERY = 'workflowType=machine_learning';
/** The key of the runs-table view xp stores on each experiment. */
export const XP_VIEW_KEY = 'xp';
/**
 * The metrics a reader compares first, shown as columns of the runs table xp links to: the task's headline on
 * validation and its test counterpart (e.g. `val_accuracy`, `test_accuracy`). Runs logged before the headline was
 * known (replayed spools of old versions) fall back to the sequence task's.
 */
export function headlineColumns(headline = 'val_exact_match'): string[] {
  // Always the validation form: the experiment's first run may have no validation split (a progression's
  // baseline), but the runs after it are compared on validation.
  const base = headline.replace(/^val_/, '');
  return [`val_${base}`, `test_${base}`];
}

/** MLflow's column key for a metric (`metrics.\`name\``), as in the UI's makeCanonicalSortKey. */
const metricColumn = (name: string) => `metrics.\`${name}\``;

/**
 * The runs-table view: the headline metrics, then two of the UI's default columns. The default Dataset column
 * is left out: it is the widest and would push the metrics off a laptop screen.
 */
export function xpRunsView(headline?: string): string {
  const columns = [...headlineColumns(headline).map(metricColumn), 'attributes.`Source`', 'attributes.`Models`'];
  return JSON.stringify({ selectedColumns: columns });
}

/** The tags every experiment xp creates carries (its kind, and the runs-table view its links open, led by `headline`). */
export function xpExperimentTags(headline?: string): Record<string, string> {
  return { [EXPERIMENT_KIND_TAG]: CUSTOM_MODEL_DEVELOPMENT, [`mlflow.sharedViewState.${XP_VIEW_KEY}`]: xpRunsView(headline) };
}

const trimBase = (trackingUri: string) => trackingUri.replace(/\/+$/, '');

/** The run's page, in the model-training view. */
export function runUrl(trackingUri: string, experimentId: string, runId: string): string {
  return `${trimBase(trackingUri)}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}?${MODEL_TRAINING_QUERY}`;
}

/** The experiment's runs table, in the model-training view with the headline metrics as columns. */
export function experimentUrl(trackingUri: string, experimentId: string): string {
  return `${trimBase(trackingUri)}/#/experiments/${encodeURIComponent(experimentId)}/runs?${MODEL_TRAINING_QUERY}&viewStateShareKey=${XP_VIEW_KEY}`;
}

/**
 * The page comparing `runIds` (from experiments `experimentIds`). The route is the one the UI builds itself
 * (Routes.getCompareRunPageRoute: both JSON arrays, experiment ids de-duplicated and sorted).
 */
export function compareRunsUrl(trackingUri: string, runIds: readonly string[], experimentIds: readonly string[]): string {
  const exps = [...new Set(experimentIds)].sort();
  return `${trimBase(trackingUri)}/#/compare-runs?runs=${JSON.stringify(runIds)}&experiments=${JSON.stringify(exps)}&${MODEL_TRAINING_QUERY}`;
}
