#compdef image-skill
# zsh completion for image-skill, generated from the command manifest (spec/openapi.yaml).
# Load it with:  source <(image-skill completion zsh)
_image_skill() {
    local -a candidates
    local word="" sub="" arg i
    local value_flags=" --actual --agent-contact --agent-name --api-base-url --aspect-ratio --body --checkout-session-id --command --confidence --contact --credits --dedupe-key --discovery-source --element-frontal --element-reference --evidence --expected --friction --human-email --idempotency-key --input --input-asset-id --intent --limit --mask --max-estimated-usd-per-image --model --model-parameters-json --next-state --operation --output --output-count --output-dir --pack --payment-attempt-id --payment-method --poll-interval-ms --prompt --prompt-file --proof-needed --provider --query --quote-id --receipt-id --reference-image --runtime --severity --source --strategic-reason --subject --surface --timeout-ms --title --trace-id --type "
    for ((i = 2; i < CURRENT; i++)); do
        arg="${words[i]}"
        if [[ "$value_flags" == *" ${words[i-1]} "* || "$arg" == -* ]]; then
            continue
        elif [[ -z "$word" && " image " == *" $arg "* ]]; then
            continue
        elif [[ -z "$word" ]]; then
            word="$arg"
        elif [[ -z "$sub" ]]; then
            sub="$arg"
        fi
    done
    local prev="${words[CURRENT-1]}"
    case "$word $prev" in
        "credits --payment-method") compadd -- stripe_checkout; return ;;
        "models --operation") compadd -- image.generate image.edit; return ;;
        "models --provider") compadd -- fal xai openai; return ;;
        "create --provider") compadd -- fal xai openai; return ;;
        "create --intent") compadd -- explore draft final finalize product hero; return ;;
        "edit --provider") compadd -- fal xai openai; return ;;
        "edit --intent") compadd -- explore draft final finalize product hero; return ;;
        "feedback --type") compadd -- user_feedback bug friction feature_request docs contract_bug; return ;;
        "feedback --severity") compadd -- low medium high critical; return ;;
        "feedback --confidence") compadd -- low medium high; return ;;
        "feedback --next-state") compadd -- watch investigate fix closed; return ;;
    esac
    if [[ "$value_flags" == *" $prev "* ]]; then
        _files
        return
    fi
    if [[ -z "$word" ]]; then
        candidates=(
            'doctor:Check the hosted API, config, auth, output directory and telemetry.'
            'trust:A no-auth, no-spend evidence packet for deciding whether to select Image Skill.'
            'signup:Create a restricted agent identity and save its token.'
            'claim:Attach a durable contact inbox to the agent (after signup).'
            'whoami:Show the authenticated actor, organization, claim state and grants.'
            'usage:Credits, daily jobs and reset windows before spending.'
            'quota:Alias of `image-skill usage quota`.'
            'credits:credits methods|packs|quote|buy|status'
            'models:models list|show'
            'capabilities:capabilities list|show'
            'create:Create images, or plan a dry run (--dry-run needs no token).'
            'upload:Turn a local image or URL into an owned input asset.'
            'edit:Edit an owned image with a hosted edit model.'
            'jobs:jobs show|wait'
            'assets:assets show|get'
            'activity:activity list|show'
            'feedback:Structured feedback into hosted product memory.'
            'version:The CLI version.'
            'help:This list; `image-skill help COMMAND` (or COMMAND --help) for its usage.'
            'completion:A shell completion script (bash, zsh or fish), generated from this manifest.'
            'mcp:Serve the commands as Model Context Protocol tools over stdio (needs image-skill[mcp]).'
        )
        _describe 'command' candidates
        return
    fi
    case "$word" in
        doctor)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--sweep-in-flight:Remove the in-flight notes old enough to sweep (data.in_flight.entries\[\] with sweep_eligible\: true); never an outstanding one.'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        trust)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        signup)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--agent:Sign up a restricted agent identity.'
                    '--agent-contact:Optional\: a durable, email-shaped contact inbox (agent-owned, else an operator, team or sponsor inbox); never invent one, omit it instead.'
                    '--human-email:Older name of --agent-contact.'
                    '--agent-name:The agent'\''s display name.'
                    '--runtime:The agent runtime, e.g. codex or claude-code.'
                    '--save:Save the token to the config file (the default; accepted, changes nothing).'
                    '--no-save:Do not save the token (only with --show-token).'
                    '--show-token:Print the token once in data.token (it is saved too unless --no-save).'
                    '--discovery-source:Where you discovered Image Skill, e.g. clawhub, skills-sh or npm (else IMAGE_SKILL_DISCOVERY_SOURCE; omit it when you do not know).'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        claim)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--contact:The contact inbox\: agent-owned, else an operator, team or sponsor inbox (never invent one).'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'request:Attach a durable contact inbox to the agent (after signup).'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        whoami)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        usage)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'quota:Credits, daily jobs and reset windows before spending.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        quota)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        credits)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                    '--credits:An exact number of credits (1 credit = USD 0.01).'
                    '--pack:A named pack (`credits packs list`); with --credits they must agree.'
                    '--payment-method:The payment rail.'
                    '--idempotency-key:Makes a retry return the same quote (generated when omitted\: see data.idempotency_key).'
                    '--provider:The payment provider (stripe).'
                    '--quote-id:The quote to pay.'
                    '--payment-attempt-id:A payment attempt (payatt_...) reference.'
                    '--checkout-session-id:A Stripe Checkout Session (cs_...) reference.'
                    '--receipt-id:A receipt (rcpt_...) reference.'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'methods:Payment rails for buying credits.'
                    'packs:Recommended credit packs.'
                    'quote:A bounded credit quote.'
                    'buy:A Stripe Checkout action for a quote.'
                    'status:The state of a quote, payment attempt, session or receipt.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        models)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--available:Only models usable now (available and executable).'
                    '--executable:Only executable models.'
                    '--catalog-only:Only cataloged rows that are inspectable but not runnable yet.'
                    '--operation:Only models of this operation.'
                    '--provider:Only models of this provider.'
                    '--query:Only models matching every word of Q (ids, names, providers, tags, aliases).'
                    '--details:Full rows with parameter schemas (default\: compact rows; `show_command` shows one).'
                    '--summary:The compact rows (the default; accepted for compatibility).'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'list:Models, executable first (models show MODEL_ID\: one model'\''s schema).'
                    'show:One model'\''s full schema, including its model_parameters.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        capabilities)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'list:Capabilities (capabilities show CAPABILITY_ID\: one).'
                    'show:One capability with the models that serve it.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        create)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--guide:Advise the next safe command instead of creating (never mutates).'
                    '--prompt:What to create.'
                    '--prompt-file:Read the prompt from a file (`-` for standard input).'
                    '--model:A model id (default\: the hosted quality-first policy).'
                    '--provider:The strongest executable model of this provider within budget.'
                    '--intent:What the image is for.'
                    '--aspect-ratio:W\:H.'
                    '--output-count:Outputs in one request (up to the model'\''s limit).'
                    '--max-estimated-usd-per-image:Refuse models whose estimated per-image price is higher.'
                    '--model-parameters-json:Model-specific controls as a JSON object (see `models show`).'
                    '--dry-run:Plan only\: a stored plan receipt, no provider call, no debit.'
                    '--accept-unknown-cost:Allow a model whose price is only known after execution.'
                    '--reference-image:IMAGE\[@INDEX\[\:ip|id|style\]\]\: a flat reference image (DreamO).'
                    '--element-frontal:IMAGE\[@ELEMENT\]\: an element'\''s frontal image (Kling routes).'
                    '--element-reference:IMAGE\[@ELEMENT\[\:REF\]\]\: one more image of an element (Kling).'
                    '--idempotency-key:Makes a retry safe\: the same key and request return the original job, never a second debit (generated when omitted; a failed run'\''s recovery carries it).'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        upload)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        edit)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--input:The image to edit\: an asset id, an owned media URL, a local path or an http(s) URL (paths and URLs are uploaded first).'
                    '--input-asset-id:The image to edit, as an asset id.'
                    '--mask:Where to edit (white) and what to keep (black), resolved like the input; only models whose `mask.supported` is true take one.'
                    '--prompt:What to change.'
                    '--prompt-file:Read the prompt from a file (`-` for standard input).'
                    '--model:An edit model id (default\: hosted_default_edit_v1).'
                    '--provider:The strongest executable edit model of this provider within budget.'
                    '--intent:What the image is for.'
                    '--aspect-ratio:W\:H, or auto to keep the input'\''s ratio.'
                    '--reference-image:IMAGE\[@INDEX\[\:ip|id|style\]\]\: a flat reference image (xAI edit).'
                    '--element-frontal:IMAGE\[@ELEMENT\]\: an element'\''s frontal image (Kling routes).'
                    '--element-reference:IMAGE\[@ELEMENT\[\:REF\]\]\: one more image of an element (Kling).'
                    '--max-estimated-usd-per-image:Refuse models whose estimated per-image price is higher.'
                    '--model-parameters-json:Model-specific controls as a JSON object (see `models show`); never provider-native image keys (mask_url, image_urls, ...).'
                    '--dry-run:Plan only\: no provider call, no debit.'
                    '--accept-unknown-cost:Allow a model whose price is only known after execution.'
                    '--idempotency-key:Makes a retry safe\: the same key and request return the original job, never a second debit (generated when omitted; a failed run'\''s recovery carries it).'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        jobs)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                    '--timeout-ms:Give up after this many milliseconds.'
                    '--poll-interval-ms:Milliseconds between polls.'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'show:One job'\''s status, cost and assets.'
                    'wait:Wait until a job is terminal.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        assets)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                    '--output:Where to write the file (default\: ./<asset_id>.<ext>).'
                    '--overwrite:Replace an existing output file.'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'show:One asset'\''s metadata and capability URL.'
                    'get:Download one asset (never clobbers a file).'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        activity)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--limit:How many events.'
                    '--subject:Only events about this id (job_, image_, usage_, fb_, trace_, quote_, ...).'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'list:The activity ledger, newest first.'
                    'show:One event (evt_...), or the events about one job, asset or trace.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        feedback)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--type:The kind of feedback.'
                    '--title:A short concrete title.'
                    '--body:What happened, what was expected, and why it matters.'
                    '--command:The command or workflow observed.'
                    '--expected:The expected result.'
                    '--actual:The actual result.'
                    '--friction:What slowed you down.'
                    '--proof-needed:What would prove this is handled.'
                    '--strategic-reason:Why it matters beyond this run.'
                    '--dedupe-key:A repeat with the same key returns the original feedback_id.'
                    '--source:Where the feedback comes from (e.g. an agent runtime).'
                    '--trace-id:The trace id of the run this is about (trace_...).'
                    '--surface:Comma-separated surfaces, e.g. cli,docs.'
                    '--evidence:Evidence, e.g. trace\:TRACE_ID or an evt_ or job_ id.'
                    '--severity:How bad it is.'
                    '--confidence:How sure you are.'
                    '--next-state:What should happen next.'
                    '--allow-weak-signal:Queue narrative feedback that has no structured evidence.'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            elif [[ -z "$sub" ]]; then
                candidates=(
                    'create:Structured feedback into hosted product memory.'
                )
                _describe 'subcommand' candidates
            fi
            ;;
        version)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        help)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        completion)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
        mcp)
            if [[ "${words[CURRENT]}" == -* ]]; then
                candidates=(
                    '--allow-spend:Also serve the tools that spend, pay or write media.'
                    '--output-dir:Downloads are written only under this directory.'
                    '--json:Print the JSON envelope (the default; accepted by every command).'
                    '--api-base-url:Hosted API base URL (else IMAGE_SKILL_API_BASE_URL, else the hosted default).'
                    '--token-stdin:Read the agent token from the first line of standard input.'
                    '--help:Show this command'\''s usage (an envelope; text on a terminal).'
                )
                _describe 'flag' candidates
            fi
            ;;
    esac
}
compdef _image_skill image-skill
