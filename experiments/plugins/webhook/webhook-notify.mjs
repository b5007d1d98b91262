// An example xp plugin: a `webhook_notify` callback that POSTs each epoch's metrics, and the end of training,
// as JSON to a webhook (a chat channel, a dashboard). It runs only when named on the command line:
//
//   XP_HOOK_URL=https://hooks.example.org/xp XP_HOOK_TOKEN=… \
//     npx xp run --plugin experiments/plugins/webhook/webhook-notify.mjs experiments/plugins/webhook/webhook.yaml
//
// A plugin is a plain ES module: it imports nothing from xp, and its default export names each entry with the
// JSON Schema of its options (plain JSON Schema here; a TypeScript plugin can use TypeBox and the XpPlugin
// type of @xp/runner to get its options typed). xp validates `callbacks[]` entries of this type against the
// schema, fills in its defaults and refuses unknown keys, exactly as for the built-in callbacks.

/** Options of `webhook_notify`, as JSON Schema. */
const schema = {
  type: 'object',
  description: 'POST the metrics of each epoch (and of the end of training) as JSON to a webhook.',
  properties: {
    url: { type: 'string', pattern: '^https?://', description: 'Webhook URL; a secret one should come from ${env:…}.' },
    token: { type: 'string', default: '', description: 'Sent as `Authorization: Bearer <token>` when not empty; use ${env:…}.' },
    every: { type: 'integer', minimum: 1, default: 1, description: 'Epochs between posts.' },
    timeout_s: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'Seconds to wait for the webhook.' },
  },
  required: ['url'],
};

/** The callback: one POST per `every` epochs and one at the end; a failing webhook never stops training. */
class WebhookNotify {
  name = 'webhook_notify';

  /** @param {{ url: string, token: string, every: number, timeout_s: number }} o @param {(msg: string) => void} log */
  constructor(o, log) {
    this.o = o;
    this.log = log;
  }

  async onEpochEnd(epoch, logs) {
    if ((epoch + 1) % this.o.every === 0) await this.post({ event: 'epoch_end', epoch, metrics: logs });
  }

  async onTrainEnd(logs) {
    await this.post({ event: 'train_end', metrics: logs ?? {} });
  }

  // The URL and token are never printed: they are usually secrets (xp redacts them from its own logs).
  async post(body) {
    const headers = { 'content-type': 'application/json', ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}) };
    try {
      const res = await fetch(this.o.url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.o.timeout_s * 1000) });
      this.log(res.ok ? `webhook_notify: posted ${body.event}` : `webhook_notify: the webhook answered HTTP ${res.status} to ${body.event}; training goes on`);
    } catch (e) {
      this.log(`webhook_notify: could not post ${body.event} (${e instanceof Error ? e.name : 'error'}); training goes on`);
    }
  }
}

/** @type {import('@xp/runner').XpPlugin} */
export default {
  name: 'webhook-notify',
  callbacks: {
    webhook_notify: { schema, create: (options, deps) => new WebhookNotify(options, deps.log) },
  },
};
