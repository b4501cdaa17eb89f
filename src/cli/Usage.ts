/** The text `box-upload --help` prints: every command and flag, the byte units and the exit codes. */
import { defaultRetryPolicy } from '../Retry.ts'
import { BOX_MIN_FILE_SIZE, DEMO_SIZE } from './Command.ts'
import { BOX_UPLOAD_URL } from './Target.ts'

/** The library's time per try, in seconds: `--timeout`'s default. */
const timeoutS = (defaultRetryPolicy.timeoutMs ?? 0) / 1000

/** What `--help` prints. */
export const usage = `Usage:
  box-upload <file> [--folder ID] [--name NAME] [--overwrite] [--concurrency N] [--timeout SECONDS] [--token TOKEN | --token-command CMD] [--proxy URL] [--json] [--quiet | --verbose]
  box-upload <file> --file-id ID [--name NAME] [--concurrency N] [--timeout SECONDS] [--token TOKEN | --token-command CMD] [--proxy URL] [--json] [--quiet | --verbose]
  box-upload <file> --resume [--state PATH] [--timeout SECONDS] [--token TOKEN | --token-command CMD] [--upload-url URL] [--api-url URL] [--proxy URL] [--json] [--quiet | --verbose]
  box-upload emulator [--port N] [--part-size BYTES] [--min-file-size BYTES] [--storage memory|digest]
                      [--faults JSON|@FILE] [--latency SECONDS] [--body-idle-timeout SECONDS] [--log]
                      [--tokens LIST] [--processing-delay SECONDS] [--session-ttl SECONDS]
                      [--max-file-size BYTES] [--folders LIST|any] [--host ADDR] [--upload-base-url URL]
  box-upload demo [--size BYTES] [--concurrency N] [--quiet | --verbose]

Uploads <file> to Box with the chunked upload API (files of 20 MB and more), with a progress bar;
its modification time goes with it (content_modified_at, Box's "Modified" date, in whole seconds of UTC).
Without a token (--token, --token-command or their variables) it uploads to a Box emulator started
in this process, downloads the file back and checks its SHA-1.

Options:
  --folder ID          Box folder to upload into (default 0, the root)
  --name NAME          file name in Box (default: the file's own name); with --file-id, the file's new name
  --overwrite          when the name is taken in the folder, upload a new version of the file that has it
  --file-id ID         upload <file> as a new version of the Box file ID (not with --folder or --overwrite;
                       needs a token or --upload-url: the emulator started without them holds no files)
  --concurrency N      parts uploaded at the same time (1-64)
  --timeout SECONDS    time one try of a request may take before it is cut off and retried (default ${timeoutS},
                       ${timeoutS / 60} minutes); while a part's body is sent (Node, Bun) a stall, under 1 MiB in
                       2 minutes, is watched for instead, and its answer then gets the whole timeout
  --token TOKEN        Box access token (default: $BOX_TOKEN, better: other users can see
                       a command line); never written anywhere
  --token-command CMD  a shell command that prints an access token (default: $BOX_TOKEN_COMMAND), run at
                       the start and again for a fresh token after a 401 (Box's tokens expire after
                       60 minutes), e.g. 'box tokens:get -q'; a run may take 60 s (or 0.1 s less than
                       --timeout, if shorter); not with --token (a flag takes the place of both variables)
  --json               print one JSON object as the result
  -q, --quiet          (upload, demo) nothing on stderr but a failure's message (with how to --resume):
                       no progress, no notes; the result still on stdout (for cron and CI logs)
  --verbose            (upload, demo) a line on stderr for every HTTP request, the download check's too:
                       when sent (UTC), method, path, a part's Content-Range, the status with Box's error
                       code and request_id, or failed: <why> or aborted, and the milliseconds to the
                       answer; never the token (not with --quiet; -v is --version)
  --resume             continue an upload interrupted (Ctrl-C, a signal, a kill) or kept after a failure, from its state file
  --state PATH         the resume state file (default: .box-upload-state.<name>.json beside the file)
  --upload-url URL     upload API base (default: $BOX_UPLOAD_URL, or ${BOX_UPLOAD_URL} with a token),
                       e.g. the url a running 'box-upload emulator' prints
  --api-url URL        API base to download the file back from and check it (default: $BOX_API_URL)
  --proxy URL          HTTP proxy for every request, http://[user:password@]host:port (default:
                       $HTTPS_PROXY for https URLs, $HTTP_PROXY for http ones and for https ones
                       without $HTTPS_PROXY; lowercase forms first); hosts in $NO_PROXY go direct,
                       and so does loopback always (127.0.0.1, ::1, localhost: the embedded emulator)
  --part-size BYTES    part size of the embedded emulator (default: the emulator's, as Box's: 8 MiB
                       under 256 MiB, 32 MiB from 256 MiB, more past 312.5 GiB to stay within 10,000 parts)
  --min-file-size BYTES  refuse smaller files (default ${BOX_MIN_FILE_SIZE}, Box's minimum)
  --port N             (emulator) port to listen on (default 0: any free port)
  --host ADDR          (emulator) address to listen on (default 127.0.0.1: this machine only); 0.0.0.0 or
                       :: for every interface, as in a container: session_endpoints then name the host and
                       port each client used
  --storage KIND       (emulator) memory: keep every uploaded byte (default), digest: keep only
                       SHA-1s, in constant memory (downloads then answer 404)
  --faults JSON|@FILE  (emulator) make it fail as Box does, to test a client's retries: the emulator's
                       faults option as a JSON object, or @FILE to read it from a file, e.g.
                       '{"script":[{"part":0,"fault":"error_before"}]}' (part 0's first PUT gets a 500),
                       '{"probability":0.1,"seed":7}', '{"commitAccepted":2}'; fields: seed, probability,
                       kinds, script, retryAfterSeconds, slowMs, latencyMs, commitAccepted, commitFaults,
                       uploadFailedAfterParts, sessionConflict (README, "Faults"); JSON has no Infinity:
                       write "Infinity" for commitAccepted and uploadFailedAfterParts
  --latency SECONDS    (emulator) how long every answer waits (faults.latencyMs; not with a latencyMs
                       in --faults)
  --body-idle-timeout SECONDS  (emulator) close a connection whose request body brings no byte for this
                       long (default 60; 0: never)
  --tokens LIST        (emulator) the bearer tokens it accepts, comma-separated, each its own user (a
                       session is 403 to the others), in place of dev-token; the banner says how many, never them
  --processing-delay SECONDS  (emulator) how long each part stays processing: num_parts_processed lags, and
                       a commit before then gets 202 with Retry-After, as Box's does
  --session-ttl SECONDS  (emulator) how long an upload session lives (default 7 days, Box's); then every
                       request of it gets 410 session_expired
  --max-file-size BYTES  (emulator) refuse sessions for larger files with 403 file_size_limit_exceeded
                       (default: no limit); not below --min-file-size (default ${BOX_MIN_FILE_SIZE})
  --folders LIST|any   (emulator) Box folder ids that exist besides 0, comma-separated, or any (every
                       all-digits id); a session in another folder gets 404 (default: 0 only)
  --upload-base-url URL  (emulator) the upload API base its session_endpoints are under, as clients reach
                       it through a proxy that ends TLS or rewrites Host (like https://proxy.test/api/2.0)
  --log                (emulator) print a line to stderr for every answer: time, method, path, a part's
                       Content-Range, status, Box's error code, the fault injected, milliseconds taken
  --size BYTES         (demo) size of the generated sample (default ${DEMO_SIZE})
  -h, --help           this text
  -v, --version        the version of box-upload

BYTES accepts a plain number or a unit: 512KiB, 8MiB (8M is 8MiB too), 1GiB, 20MB (20,000,000).
SECONDS accepts decimals (0.5, 0.2 for 200 ms) or a unit: 90s, 10m (minutes), 1h.
Exit codes: 0 done, 1 upload failed, 2 wrong usage or bad input (or the emulator's --port in use),
130 interrupted with Ctrl-C, 143 stopped by SIGTERM, 129 by SIGHUP (the terminal closed); after
those three the session of an upload to Box or a running emulator is kept for --resume, unless
Ctrl-C came twice. The emulator exits 0 on Ctrl-C or SIGTERM, and ends by SIGHUP (129) on a hangup.`
