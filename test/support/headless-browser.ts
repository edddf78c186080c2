import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

// The package's flags are tuned for AWS Lambda: one process (which cannot open a second browser
// context) and web security off (which would hide what a real browser refuses: cookies, CORS).
const LAMBDA_ONLY = new Set(['--single-process', '--disable-web-security', '--allow-running-insecure-content']);

/** Headless Chromium from the @sparticuz/chromium package (nothing else to install), driven by puppeteer-core. */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: await chromium.executablePath(), args: chromium.args.filter((arg) => !LAMBDA_ONLY.has(arg)), headless: true });
}

