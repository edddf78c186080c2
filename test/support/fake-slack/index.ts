export { startFakeSlack, type FakeSlack, type FakeSlackOptions, type SlackCall } from './server.js';
export type { SlackFailure } from './slack-failures.js';
export { blockKitProblems, modalProblems } from './block-kit-limits.js';
export { slackNotifications, slackTextNotifications, type SlackNotifications } from './slack-mentions.js';
export { slackSignature, SlackRequestSender, type DeliveryOptions, type SlackDelivery } from './slack-requests.js';
export { DEFAULT_SLACK_USERS, FAKE_BOT as FAKE_SLACK_BOT, FAKE_TEAM as FAKE_SLACK_TEAM } from './slack-state.js';
export type { SlackChannel, SlackMessage, SlackStateView, SlackUser } from './slack-state.js';
