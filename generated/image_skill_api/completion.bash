# bash completion for image-skill, generated from the command manifest (spec/openapi.yaml).
# Load it with:  source <(image-skill completion bash)
_image_skill() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local prev="${COMP_WORDS[COMP_CWORD-1]}"
    local value_flags=" --actual --agent-contact --agent-name --api-base-url --aspect-ratio --body --checkout-session-id --command --confidence --contact --credits --dedupe-key --discovery-source --element-frontal --element-reference --evidence --expected --friction --human-email --idempotency-key --input --input-asset-id --intent --limit --mask --max-estimated-usd-per-image --model --model-parameters-json --next-state --operation --output --output-count --output-dir --pack --payment-attempt-id --payment-method --poll-interval-ms --prompt --prompt-file --proof-needed --provider --query --quote-id --receipt-id --reference-image --runtime --severity --source --strategic-reason --subject --surface --timeout-ms --title --trace-id --type "
    local word="" sub="" arg i
    for ((i = 1; i < COMP_CWORD; i++)); do
        arg="${COMP_WORDS[i]}"
        if [[ "$value_flags" == *" ${COMP_WORDS[i-1]} "* || "$arg" == -* ]]; then
            continue
        elif [[ -z "$word" && " image " == *" $arg "* ]]; then
            continue
        elif [[ -z "$word" ]]; then
            word="$arg"
        elif [[ -z "$sub" ]]; then
            sub="$arg"
        fi
    done
    case "$word $prev" in
        "credits --payment-method") COMPREPLY=($(compgen -W "stripe_checkout" -- "$cur")); return ;;
        "models --operation") COMPREPLY=($(compgen -W "image.generate image.edit" -- "$cur")); return ;;
        "models --provider") COMPREPLY=($(compgen -W "fal xai openai" -- "$cur")); return ;;
        "create --provider") COMPREPLY=($(compgen -W "fal xai openai" -- "$cur")); return ;;
        "create --intent") COMPREPLY=($(compgen -W "explore draft final finalize product hero" -- "$cur")); return ;;
        "edit --provider") COMPREPLY=($(compgen -W "fal xai openai" -- "$cur")); return ;;
        "edit --intent") COMPREPLY=($(compgen -W "explore draft final finalize product hero" -- "$cur")); return ;;
        "feedback --type") COMPREPLY=($(compgen -W "user_feedback bug friction feature_request docs contract_bug" -- "$cur")); return ;;
        "feedback --severity") COMPREPLY=($(compgen -W "low medium high critical" -- "$cur")); return ;;
        "feedback --confidence") COMPREPLY=($(compgen -W "low medium high" -- "$cur")); return ;;
        "feedback --next-state") COMPREPLY=($(compgen -W "watch investigate fix closed" -- "$cur")); return ;;
    esac
    if [[ "$value_flags" == *" $prev "* ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    if [[ -z "$word" ]]; then
        COMPREPLY=($(compgen -W "doctor trust signup claim whoami usage quota credits models capabilities create upload edit jobs assets activity feedback version help completion mcp image" -- "$cur"))
        return
    fi
    case "$word" in
        doctor)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--sweep-in-flight --json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        trust)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        signup)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--agent --agent-contact --human-email --agent-name --runtime --save --no-save --show-token --discovery-source --json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        claim)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--contact --json --api-base-url --token-stdin --help" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "request" -- "$cur"))
            fi
            ;;
        whoami)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        usage)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "quota" -- "$cur"))
            fi
            ;;
        quota)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        credits)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help --credits --pack --payment-method --idempotency-key --provider --quote-id --payment-attempt-id --checkout-session-id --receipt-id" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "methods packs quote buy status" -- "$cur"))
            fi
            ;;
        models)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--available --executable --catalog-only --operation --provider --query --details --summary --json --api-base-url --token-stdin --help" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "list show" -- "$cur"))
            fi
            ;;
        capabilities)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "list show" -- "$cur"))
            fi
            ;;
        create)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--guide --prompt --prompt-file --model --provider --intent --aspect-ratio --output-count --max-estimated-usd-per-image --model-parameters-json --dry-run --accept-unknown-cost --reference-image --element-frontal --element-reference --idempotency-key --json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        upload)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        edit)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--input --input-asset-id --mask --prompt --prompt-file --model --provider --intent --aspect-ratio --reference-image --element-frontal --element-reference --max-estimated-usd-per-image --model-parameters-json --dry-run --accept-unknown-cost --idempotency-key --json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        jobs)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help --timeout-ms --poll-interval-ms" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "show wait" -- "$cur"))
            fi
            ;;
        assets)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help --output --overwrite" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "show get" -- "$cur"))
            fi
            ;;
        activity)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--limit --subject --json --api-base-url --token-stdin --help" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "list show" -- "$cur"))
            fi
            ;;
        feedback)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--type --title --body --command --expected --actual --friction --proof-needed --strategic-reason --dedupe-key --source --trace-id --surface --evidence --severity --confidence --next-state --allow-weak-signal --json --api-base-url --token-stdin --help" -- "$cur"))
            elif [[ -z "$sub" ]]; then
                COMPREPLY=($(compgen -W "create" -- "$cur"))
            fi
            ;;
        version)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        help)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        completion)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
        mcp)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--allow-spend --output-dir --json --api-base-url --token-stdin --help" -- "$cur"))
            fi
            ;;
    esac
}
complete -o default -F _image_skill image-skill
