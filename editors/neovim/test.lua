-- The Neovim test: headless Neovim (Debian's, 0.7 or later) starts `kro lsp` as any user's configuration
-- would, opens an RGD with a misspelt resource id, and reads what Neovim itself received: the diagnostics
-- (vim.diagnostic.get) and a completion list; then it applies the quick fix it is offered and waits for the
-- finding to go. What a user would see in the quickfix list is written to $KRO_NVIM_OUT; any check that
-- fails exits with code 1. Run by editors/neovim/test.sh.
local kro = assert(os.getenv('KRO'), 'KRO names the kro binary')
local rgd = assert(os.getenv('KRO_NVIM_RGD'), 'KRO_NVIM_RGD names the RGD to open')
local out = assert(os.getenv('KRO_NVIM_OUT'), 'KRO_NVIM_OUT names the output file')
local lines = {}

local function fail(message)
  table.insert(lines, 'FAIL: ' .. message)
  vim.fn.writefile(lines, out)
  vim.cmd('cquit 1')
end

vim.cmd('edit ' .. vim.fn.fnameescape(rgd))
local client = vim.lsp.start_client({
  name = 'kro',
  cmd = { kro, 'lsp' },
  root_dir = vim.fn.fnamemodify(rgd, ':h'),
})
if not client then fail('kro lsp did not start') end
vim.lsp.buf_attach_client(0, client)

local got = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 20)
if not got then fail('no diagnostics within 20 s') end

-- As a user sees them in :copen (vim.diagnostic.setqflist).
local severities = { 'error', 'warning', 'info', 'hint' }
local name = vim.fn.fnamemodify(rgd, ':t')
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ''
  table.insert(lines, string.format('%s|%d col %d %s| [%s] %s: %s', name, d.lnum + 1, d.col + 1,
    severities[d.severity] or '?', d.source or '', code, (d.message:gsub('\n', ' | '))))
end
-- The misspelt id; the unfinished `${deployment.}` left for completion is a cel-syntax error beside it.
local function code_of(d) return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) end
local first
for _, d in ipairs(vim.diagnostic.get(0)) do
  if code_of(d) == 'unknown-identifier' then first = d end
end
if not first then fail('no unknown-identifier diagnostic') end
local line = vim.api.nvim_buf_get_lines(0, first.lnum, first.lnum + 1, false)[1]
if line:sub(first.col + 1, first.col + 12) ~= '${deploymnt.' then
  fail('the diagnostic is not at the expression: ' .. line:sub(first.col + 1))
end

-- Completion after `${deployment.` on the line the test script prepared (`app: ${deployment.}`).
local row = vim.fn.search('\\${deployment\\.}', 'n')
if row == 0 then fail('no completion line in the file') end
local col = vim.fn.getline(row):find('%${deployment%.}') + #'${deployment.' - 1
local params = {
  textDocument = vim.lsp.util.make_text_document_params(),
  position = { line = row - 1, character = col },
}
local responses = vim.lsp.buf_request_sync(0, 'textDocument/completion', params, 10000) or {}
local labels = {}
for _, response in pairs(responses) do
  local items = response.result and (response.result.items or response.result) or {}
  for _, item in ipairs(items) do table.insert(labels, item.label) end
end
table.insert(lines, 'completion after ${deployment.: ' .. table.concat(labels, ', ', 1, math.min(#labels, 8)))
if labels[1] ~= 'apiVersion' or not vim.tbl_contains(labels, 'status') then
  fail('completion did not offer the Deployment fields: ' .. table.concat(labels, ', '))
end

-- The quick fix of the misspelt id, applied by Neovim as `:lua vim.lsp.buf.code_action()` would apply it:
-- the buffer changes, Neovim sends the change, and the server's next diagnostics no longer have the finding.
local range = {
  start = { line = first.lnum, character = first.col },
  ['end'] = { line = first.end_lnum, character = first.end_col },
}
-- The server finds the diagnostics in the range itself; the context's list may stay empty.
local context = { diagnostics = {} }
local answers = vim.lsp.buf_request_sync(0, 'textDocument/codeAction',
  { textDocument = vim.lsp.util.make_text_document_params(), range = range, context = context }, 10000) or {}
local action
for _, answer in pairs(answers) do action = action or (answer.result or {})[1] end
if not action then fail('no quick fix for the misspelt id') end
table.insert(lines, 'quick fix offered: ' .. action.title)
vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
local fixed = vim.wait(20000, function()
  for _, d in ipairs(vim.diagnostic.get(0)) do
    if code_of(d) == 'unknown-identifier' then return false end
  end
  return true
end, 20)
if not fixed then fail('the quick fix did not clear the diagnostic') end
table.insert(lines, 'after the quick fix: ' .. vim.api.nvim_buf_get_lines(0, first.lnum, first.lnum + 1, false)[1]:gsub('^%s+', ''))
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, string.format('  still: %s|%d col %d| %s', name, d.lnum + 1, d.col + 1, code_of(d)))
end

vim.fn.writefile(lines, out)
vim.lsp.stop_client(client)
vim.wait(2000, function() return vim.lsp.client_is_stopped(client) end, 20)
vim.cmd('qall!')
