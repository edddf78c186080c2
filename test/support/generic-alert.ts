import { readJson } from './read-json.js';

/** Posts one alert to a running bot's generic webhook and returns the number of the incident it went to. */
export async function fireGenericAlert(bot: { url: string; webhookToken: string }, alert: Record<string, unknown>): Promise<number> {
  const response = await readJson(
    fetch(`${bot.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert),
    }),
  );
  return Number(String(response.alerts[0].incident).slice(4));
}
