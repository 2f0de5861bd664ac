// The local page: signs in with a dev token, uploads straight to S3 through presigned URLs,
// generates illustrations (stub mode), lists them and deletes the user's data. Every call goes
// through the same API routes the deployed system serves.
const $ = (id) => document.getElementById(id);

/** Illustrations per page of the list. */
const PAGE_SIZE = 12;

/** What each upload target is called in messages, and said when it has no image yet. */
const TARGETS = {
  subject: { name: 'subject image', empty: 'No subject image yet.' },
  avatar: { name: 'avatar', empty: 'No avatar yet.' },
};

/**
 * The signed-in user, or null. A new object on every sign-in, so an answer that arrives for an
 * earlier one (`current !== session`) is dropped instead of shown to the next user.
 */
let session = null;
/** The kind the list shows, and the cursor of its next page. */
let listedKind = null;
let nextCursor = null;
/** List changes run one after another, so a page that arrives late never replaces a newer list. */
let listQueue = Promise.resolve();

/** An answer of the API other than 2xx. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(`${status}${code ? ` ${code}` : ''}: ${message}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

// The progress line and the error never show together: whichever is newer replaces the other.
function status(message) {
  $('error').hidden = true;
  $('error').textContent = '';
  $('status').textContent = message;
}

function showError(message) {
  $('status').textContent = '';
  $('error').textContent = message;
  $('error').hidden = false;
}

/**
 * The page at localhost when it was opened at a loopback address (`127.0.0.1`), else null. On the
 * loopback address the dev server calls itself `http://localhost:PORT` and gives the bucket CORS
 * rules for that origin only, so S3 refuses uploads from `http://127.0.0.1:PORT`.
 */
function localhostOrigin() {
  if (!/^127\.\d+\.\d+\.\d+$|^\[::1\]$/.test(location.hostname)) return null;
  return `${location.protocol}//localhost${location.port ? `:${location.port}` : ''}`;
}

async function api(current, method, path, body) {
  const response = await fetch(`/api${path}`, {
    method,
    headers: {
      authorization: `Bearer dev-user:${current.userId}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data.error?.code ?? '',
      data.error?.message ?? data.message ?? response.statusText,
    );
  }
  return data;
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function element(tag, properties = {}, children = []) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

/** The size as people read it, with the exact byte count for machines and tooltips. */
function sizeElement(bytes) {
  const size = element('data', {
    className: 'size',
    value: String(bytes),
    textContent: formatBytes(bytes),
  });
  size.title = `${bytes.toLocaleString()} bytes`;
  return size;
}

function setSignedIn(current) {
  session = current;
  $('signed-in-as').textContent = current ? `Signed in as ${current.userId}` : 'Not signed in';
  for (const control of document.querySelectorAll('[data-needs-user]')) {
    control.disabled = !current;
  }
}

/** Runs `work` after every list change queued before it; its result or error is the caller's. */
function changeList(work) {
  const run = listQueue.then(work);
  listQueue = run.catch(() => {});
  return run;
}

function showEmptyState() {
  const empty = $('illustrations-empty');
  empty.hidden = !session || $('illustrations').children.length > 0;
  empty.textContent = `No ${listedKind ?? $('kind').value} illustrations yet. Generate one above.`;
}

function illustrationItem(item) {
  const name = item.key.slice(item.key.lastIndexOf('/') + 1);
  const created = new Date(item.createdAt);
  // S3 is another origin, so Chromium ignores `download` and opens the image: in a new tab, then,
  // so the list stays.
  const download = element('a', {
    href: item.url,
    download: name,
    target: '_blank',
    rel: 'noopener',
    textContent: 'Download',
  });
  // The visible word starts the accessible name, and the key tells the links apart.
  download.setAttribute('aria-label', `Download ${item.key}`);
  const details = element('div', { className: 'details' }, [
    element('time', { dateTime: item.createdAt, textContent: created.toLocaleString() }),
    element('code', { className: 'key', textContent: item.key }),
    element('span', { className: 'meta' }, [sizeElement(item.sizeBytes), ' · ', download]),
  ]);
  const img = element('img', {
    src: item.url,
    alt: `Illustration of ${created.toLocaleString()}`,
    width: 96,
    height: 96,
  });
  const li = element('li', {}, [img, details]);
  li.dataset.key = item.key;
  return li;
}

function clearIllustrations() {
  $('illustrations').replaceChildren();
  nextCursor = null;
  $('more').hidden = true;
  showEmptyState();
}

/** Loads the first page of the chosen kind, or with `append` the next page of the one shown. */
function loadIllustrations(current, { append = false } = {}) {
  return changeList(async () => {
    if (!current || current !== session) return;
    const kind = $('kind').value;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (append) {
      if (!nextCursor || kind !== listedKind) return;
      query.set('cursor', nextCursor);
    }
    const page = await api(current, 'GET', `/illustrations/${kind}?${query}`);
    if (current !== session) return;
    const list = $('illustrations');
    if (!append) list.replaceChildren();
    const shown = new Set([...list.children].map((li) => li.dataset.key));
    list.append(...page.items.filter((item) => !shown.has(item.key)).map(illustrationItem));
    listedKind = kind;
    nextCursor = page.nextCursor;
    $('more').hidden = !nextCursor;
    showEmptyState();
  });
}

/** Puts a new illustration at the top of the list, keeping the pages already loaded. */
function addIllustration(current, illustration) {
  return changeList(async () => {
    if (current !== session || illustration.kind !== listedKind) return;
    const list = $('illustrations');
    if ([...list.children].some((li) => li.dataset.key === illustration.key)) return;
    list.prepend(illustrationItem(illustration));
    showEmptyState();
  });
}

function clearImage(target) {
  const img = $(`${target}-preview`);
  img.hidden = true;
  img.removeAttribute('src');
  $(`${target}-caption`).textContent = session ? TARGETS[target].empty : '';
}

async function showImage(current, target) {
  let image;
  try {
    image = await api(current, 'GET', `/images/${target}`);
  } catch (error) {
    if (current !== session) return;
    clearImage(target);
    if (error.status !== 404)
      showError(`Could not show the ${TARGETS[target].name}: ${error.message}`);
    return;
  }
  if (current !== session) return;
  const img = $(`${target}-preview`);
  img.src = image.url;
  img.hidden = false;
  $(`${target}-caption`).replaceChildren(
    element('code', { className: 'key', textContent: image.key }),
    ' · ',
    sizeElement(image.sizeBytes),
  );
}

function corsFailure(error) {
  const localhost = localhostOrigin();
  if (localhost) {
    return (
      `Upload to S3 failed: the bucket's CORS rules allow uploads from ${localhost} only, ` +
      `not from ${location.origin}. Open the page at ${localhost} and upload again.`
    );
  }
  return (
    `Upload to S3 failed: ${error.message}. Is the S3 server still running, and do the bucket's ` +
    `CORS rules allow this page's origin (${location.origin})? pnpm dev allows the page address ` +
    'it prints.'
  );
}

async function upload(target) {
  const current = session;
  const file = $(`${target}-file`).files[0];
  if (!file) return showError(`Choose a file for the ${TARGETS[target].name} first.`);
  status(`Uploading ${file.name}...`);
  let presigned;
  try {
    presigned = await api(current, 'POST', `/uploads/${target}`, {
      contentType: file.type || 'application/octet-stream',
      contentLengthBytes: file.size,
    });
  } catch (error) {
    if (current === session) showError(`Upload refused: ${error.message}`);
    return;
  }
  let response;
  try {
    // The signed headers, exactly: the content type is part of the signature.
    const headers = { ...presigned.headers };
    delete headers['content-length']; // the browser sends it itself, from the body
    response = await fetch(presigned.url, { method: 'PUT', headers, body: file });
  } catch (error) {
    if (current === session) showError(corsFailure(error));
    return;
  }
  if (current !== session) return;
  if (!response.ok) return showError(`Upload to S3 failed: HTTP ${response.status}`);
  status(`Uploaded ${file.name} as ${presigned.key}.`);
  await showImage(current, target);
}

async function generate(event) {
  event.preventDefault();
  const current = session;
  const kind = $('kind').value;
  const prompt = $('prompt').value.trim();
  status(`Generating a ${kind} illustration...`);
  let result;
  try {
    result = await api(current, 'POST', `/illustrations/${kind}`, prompt ? { prompt } : {});
  } catch (error) {
    if (current === session) showError(`Generation failed: ${error.message}`);
    return;
  }
  if (current !== session) return;
  const unused = prompt && result.source === 'stub' ? ' The stub does not use the prompt.' : '';
  status(`Generated ${result.illustration.key} (${result.source}).${unused}`);
  await addIllustration(current, result.illustration);
}

async function deleteMyData() {
  const current = session;
  const confirmed = confirm(
    `Delete everything stored for "${current.userId}": the subject image, the avatar and every ` +
      'illustration, with all their versions? This cannot be undone.',
  );
  if (!confirmed) return status('Nothing was deleted.');
  status(`Deleting the data of ${current.userId}...`);
  let result;
  try {
    result = await api(current, 'DELETE', '/me/data');
  } catch (error) {
    if (current === session) showError(`Deletion failed: ${error.message}`);
    return;
  }
  if (current !== session) return;
  clearImage('subject');
  clearImage('avatar');
  await changeList(async () => clearIllustrations());
  const counts = Object.entries(result.deleted).map(([area, count]) => `${area} ${count}`);
  // 202: the deletion is final once the sweep after sweepAfter has run; writes answer 409 until then.
  status(
    `Deleted ${result.total} ${result.total === 1 ? 'object' : 'objects'} of ${current.userId} ` +
      `(${counts.join(', ')}). The deletion becomes final at the first sweep after ` +
      `${new Date(result.sweepAfter).toLocaleString()}; until then uploads and new illustrations are refused.`,
  );
}

async function signIn(event) {
  event.preventDefault();
  const userId = $('user-id').value.trim();
  setSignedIn(null);
  // A file picked for the previous user is not this one's to upload.
  for (const target of Object.keys(TARGETS)) $(`${target}-file`).value = '';
  clearImage('subject');
  clearImage('avatar');
  await changeList(async () => clearIllustrations());
  if (!userId) return showError('Enter a user id to sign in.');
  const current = { userId };
  status(`Signing in as ${userId}...`);
  // The list is the first call: the dev server answers 401 to an id the API could not serve.
  session = current;
  try {
    await loadIllustrations(current);
  } catch (error) {
    if (current !== session) return;
    setSignedIn(null);
    clearIllustrations();
    // The server's answer says which ids it takes.
    if (error.status === 401) {
      return showError(`The dev server refused the user id "${userId}": ${error.message}`);
    }
    return showError(`Sign-in failed: ${error.message}`);
  }
  if (current !== session) return;
  setSignedIn(current);
  status('');
  await Promise.all([showImage(current, 'subject'), showImage(current, 'avatar')]);
}

function warnAboutOrigin() {
  const localhost = localhostOrigin();
  if (!localhost) return;
  const link = element('a', { href: `${localhost}/`, textContent: localhost });
  $('origin-warning').replaceChildren(
    `Uploads go straight to S3, whose CORS rules allow this page only at `,
    link,
    `, not at ${location.origin}. Open it there to upload.`,
  );
  $('origin-warning').hidden = false;
}

function reportListError(error) {
  showError(`Could not list the illustrations: ${error.message}`);
}

$('sign-in').addEventListener('submit', signIn);
$('upload-subject').addEventListener('click', () => upload('subject'));
$('upload-avatar').addEventListener('click', () => upload('avatar'));
$('generate-form').addEventListener('submit', generate);
$('kind').addEventListener('change', () => loadIllustrations(session).catch(reportListError));
$('more').addEventListener('click', () =>
  loadIllustrations(session, { append: true }).catch(reportListError),
);
$('delete-data').addEventListener('click', deleteMyData);
warnAboutOrigin();
document.body.dataset.ready = 'true';
