/**
 * What @sparticuz/chromium unpacks into the temp folder on first launch (the browser, its GL
 * libraries, fonts, locales): a cache shared by the browser tests, not a test's leftovers.
 */
export const BROWSER_CACHE_FILES: ReadonlySet<string> = new Set(['chromium', 'fonts', 'locales', 'al2023', 'swiftshader', 'libEGL.so', 'libGLESv2.so', 'libvk_swiftshader.so', 'libvulkan.so.1', 'vk_swiftshader_icd.json']);
