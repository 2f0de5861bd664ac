// The local page: signs in with a dev token, uploads straight to S3 through presigned URLs,
// generates illustrations (stub mode) and lists them. Every call goes through the same API
// routes the deployed system serves.
const $ = (id) => document.getElementById(id);
let userId = '';
let nextCursor = null;

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

function status(message) {
  $('error').hidden = true;
  $('status').textContent = message;
}

async function api(method, path, body) {
  const response = await fetch(`/api${path}`, {
    method,
    headers: {
      authorization: `Bearer dev-user:${userId}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const message = data.error?.message ?? data.message ?? response.statusText;
    const error = new Error(`${response.status} ${data.error?.code ?? ''}: ${message}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

async function upload(target) {
  const file = $(`${target}-file`).files[0];
  if (!file) return showError(`Choose a file for the ${target} first.`);
  status(`Uploading ${file.name}...`);
  let presigned;
  try {
    presigned = await api('POST', `/uploads/${target}`, {
      contentType: file.type || 'application/octet-stream',
      contentLengthBytes: file.size,
    });
  } catch (error) {
    return showError(`Upload refused: ${error.message}`);
  }
  let response;
  try {
    // The signed headers, exactly: the content type is part of the signature.
    const headers = { ...presigned.headers };
    delete headers['content-length']; // the browser sends it itself, from the body
    response = await fetch(presigned.url, { method: 'PUT', headers, body: file });
  } catch (error) {
    return showError(
      `Upload to S3 failed: ${error.message}. The bucket's CORS rules must allow this page's origin (${location.origin}).`,
    );
  }
  if (!response.ok) return showError(`Upload to S3 failed: HTTP ${response.status}`);
  status(`Uploaded ${file.name} as ${presigned.key}.`);
  await showImage(target);
}

async function showImage(target) {
  const img = $(`${target}-preview`);
  try {
    const image = await api('GET', `/images/${target}`);
    img.src = image.url;
    img.hidden = false;
  } catch (error) {
    img.hidden = true;
    if (error.status !== 404) showError(error.message);
  }
}

function renderIllustrations(items, append) {
  const list = $('illustrations');
  if (!append) list.replaceChildren();
  for (const item of items) {
    const li = document.createElement('li');
    const img = document.createElement('img');
    img.src = item.url;
    img.alt = `Illustration ${item.key}`;
    img.width = 128;
    img.height = 128;
    const caption = document.createElement('span');
    caption.textContent = new Date(item.createdAt).toLocaleString();
    li.append(img, caption);
    list.append(li);
  }
}

async function loadIllustrations(append = false) {
  const kind = $('kind').value;
  const query = new URLSearchParams({
    limit: '12',
    ...(append && nextCursor ? { cursor: nextCursor } : {}),
  });
  try {
    const page = await api('GET', `/illustrations/${kind}?${query}`);
    renderIllustrations(page.items, append);
    nextCursor = page.nextCursor;
    $('more').hidden = !nextCursor;
  } catch (error) {
    showError(error.message);
  }
}

async function generate() {
  const kind = $('kind').value;
  status(`Generating a ${kind} illustration...`);
  try {
    const result = await api('POST', `/illustrations/${kind}`, {});
    status(`Generated ${result.illustration.key} (${result.source}).`);
    await loadIllustrations();
  } catch (error) {
    showError(`Generation failed: ${error.message}`);
  }
}

async function signIn(event) {
  event?.preventDefault();
  userId = $('user-id').value.trim();
  $('signed-in-as').textContent = `Signed in as ${userId}`;
  status('');
  await Promise.all([showImage('subject'), showImage('avatar'), loadIllustrations()]);
}

$('sign-in').addEventListener('submit', signIn);
$('upload-subject').addEventListener('click', () => upload('subject'));
$('upload-avatar').addEventListener('click', () => upload('avatar'));
$('generate').addEventListener('click', generate);
$('kind').addEventListener('change', () => loadIllustrations());
$('more').addEventListener('click', () => loadIllustrations(true));
document.body.dataset.ready = 'true';
