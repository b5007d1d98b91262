// Errors of the MLflow client. Each has a stable `code` (for the CLI and for tests) and a message that
// says what happened, the value received and what to do. None of them keeps the axios error or request
// config as `cause`: those hold the Authorization header, and credentials must never reach a log.
import { XpError } from '@xp/core';

/** Base of every MLflow client error (an XpError, so the CLI maps it by `code`). */
export class MlflowError extends XpError {}

/** The server answered with an error status; `errorCode` is MLflow's `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`). */
export class MlflowApiError extends MlflowError {
  /** HTTP status. */
  readonly status: number;
  /** MLflow's `error_code` from the `{error_code, message}` body, or `HTTP_<status>` when the body had none. */
  readonly errorCode: string;
  /** `METHOD /path` of the request, without query or credentials. */
  readonly endpoint: string;
  /** The server's own message. */
  readonly serverMessage: string;

  constructor(opts: { status: number; errorCode?: string; message?: string; endpoint: string }) {
    const errorCode = opts.errorCode || `HTTP_${opts.status}`;
    const serverMessage = opts.message || '(no message)';
    super('XP_MLFLOW_API_ERROR', `MLflow ${opts.endpoint} failed with ${opts.status} ${errorCode}: ${serverMessage}`);
    this.status = opts.status;
    this.errorCode = errorCode;
    this.endpoint = opts.endpoint;
    this.serverMessage = serverMessage;
  }
}

/** No answer from the server: connection refused/reset, DNS failure or timeout, after all retries. */
export class MlflowConnectionError extends MlflowError {
  /** The tracking URI that could not be reached. */
  readonly uri: string;
  /** `METHOD /path` of the request. */
  readonly endpoint: string;
  /** Node/axios error code, e.g. `ECONNREFUSED` or `ECONNABORTED` (timeout). */
  readonly reason: string;
  /** Requests made, retries included. */
  readonly attempts: number;

  constructor(opts: { uri: string; endpoint: string; reason: string; detail: string; attempts: number; timeoutMs?: number }) {
    const timedOut = opts.timeoutMs !== undefined;
    const hint = timedOut
      ? `the request timed out after ${opts.timeoutMs} ms; raise MLFLOW_HTTP_REQUEST_TIMEOUT (seconds) if the server is slow`
      : 'is the server running? set MLFLOW_TRACKING_URI or run `npx xp server`';
    super(
      'XP_MLFLOW_CONNECTION_ERROR',
      `cannot reach the MLflow server at ${opts.uri} (${opts.endpoint}: ${opts.detail}; ${opts.attempts} attempt${opts.attempts === 1 ? '' : 's'}): ${hint}`,
    );
    this.uri = opts.uri;
    this.endpoint = opts.endpoint;
    this.reason = opts.reason;
    this.attempts = opts.attempts;
  }
}

/** A metric, param, tag, dataset or artifact path the server would reject (or a bad argument); checked before sending. */
export class MlflowInvalidInputError extends MlflowError {
  constructor(message: string) {
    super('XP_MLFLOW_INVALID_INPUT', message);
  }
}

/** MLFLOW_TRACKING_URI is set to something xp cannot talk to. */
export class MlflowTrackingUriError extends MlflowError {
  constructor(value: string, why: string) {
    const shown = value.replace(/\/\/[^/@]*@/, '//***@'); // never echo credentials embedded in the URL
    super(
      'XP_MLFLOW_TRACKING_URI_INVALID',
      `MLFLOW_TRACKING_URI=${JSON.stringify(shown)} ${why}; set it to the http(s) URL of an MLflow server ` +
        '(e.g. http://127.0.0.1:5000) or unset it to use the server xp manages',
    );
  }
}

/** The MLflow venv that scripts/setup-mlflow.sh creates is missing or broken. */
export class MlflowNotInstalledError extends MlflowError {
  constructor(venv: string, detail: string) {
    super(
      'XP_MLFLOW_NOT_INSTALLED',
      `MLflow is not installed at ${venv} (${detail}): run \`npm run setup\` (or \`bash scripts/setup-mlflow.sh\`); ` +
        'XP_MLFLOW_VENV points xp at another venv',
    );
  }
}

/** `mlflow server` exited or did not answer /health in time; the message ends with the tail of its log. */
export class MlflowServerStartError extends MlflowError {
  /** The server's log file. */
  readonly logFile: string;

  constructor(message: string, logFile: string, logTail: string) {
    super('XP_MLFLOW_SERVER_START_FAILED', `${message}; log ${logFile}:\n${logTail || '(empty)'}`);
    this.logFile = logFile;
  }
}
