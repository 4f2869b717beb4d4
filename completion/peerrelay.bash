# bash completion for peerrelay(1). Standalone: it needs nothing from the
# bash-completion package, which loads it from
# /usr/share/bash-completion/completions/peerrelay on first use.

# COMPREPLY from compgen, one word a line: names with spaces stay whole.
_peerrelay_reply()
{
	mapfile -t COMPREPLY < <(compgen "$@")
}

_peerrelay()
{
	local cur prev sub i
	local listen_opts="--allow-user --allow-group --allow-any
	    --require-unit --require-cgroup --rules --format
	    --max-size --max-conns --max-conns-per-uid --timeout --idle-timeout
	    --stop-timeout --once --mode
	    --owner --keep-env --run-as --syslog --log-format --check --quiet
	    --verbose
	    --help"
	local send_opts="--lines --null --list --expect-user --expect-group
	    --no-wait --timeout --help"

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The subcommand is the first word after "peerrelay".
	if [ "$COMP_CWORD" -eq 1 ]; then
		_peerrelay_reply -W "listen send help --help --version" \
		    -- "$cur"
		return 0
	fi
	sub=${COMP_WORDS[1]}

	# After "--" comes listen's COMMAND: programs, then files; send's
	# ACTION and ARGs are the listener's rules' to know: nothing.
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = "--" ]; then
			if [ "$sub" = send ]; then
				:
			elif [ $((i + 1)) -eq "$COMP_CWORD" ]; then
				_peerrelay_reply -c -- "$cur"
			else
				_peerrelay_reply -f -- "$cur"
			fi
			return 0
		fi
	done

	case $sub in
	help)
		[ "$COMP_CWORD" -eq 2 ] &&
		    _peerrelay_reply -W "listen send" -- "$cur"
		return 0
		;;
	listen)
		case $prev in
		-u|--allow-user|--run-as|-o|--owner)
			_peerrelay_reply -u -- "$cur"
			return 0
			;;
		-g|--allow-group)
			_peerrelay_reply -g -- "$cur"
			return 0
			;;
		-f|--format)
			_peerrelay_reply -W "text json raw" -- "$cur"
			return 0
			;;
		--log-format)
			_peerrelay_reply -W "text json" -- "$cur"
			return 0
			;;
		--rules)
			_peerrelay_reply -f -- "$cur"
			return 0
			;;
		-e|--keep-env)
			_peerrelay_reply -v -- "$cur"
			return 0
			;;
		--require-unit|--require-cgroup|\
		-s|--max-size|-c|--max-conns|--max-conns-per-uid|-T|--timeout|\
		-i|--idle-timeout|--stop-timeout|-m|--mode)
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			_peerrelay_reply -W "$listen_opts --" -- "$cur"
		else
			_peerrelay_reply -f -- "$cur"
		fi
		;;
	send)
		case $prev in
		--expect-user)
			_peerrelay_reply -u -- "$cur"
			return 0
			;;
		--expect-group)
			_peerrelay_reply -g -- "$cur"
			return 0
			;;
		-t|--timeout)
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			_peerrelay_reply -W "$send_opts --" -- "$cur"
		else
			_peerrelay_reply -f -- "$cur"
		fi
		;;
	esac
	return 0
}
complete -F _peerrelay peerrelay
