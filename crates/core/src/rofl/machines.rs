//! Machines of a deployment in a release batch (issue #20): when the Safe or Timelock is the
//! machines' admin, the release is live only once each machine is redeployed with it, so the
//! batch carries one `roflmarket.InstanceExecuteCmds` (Deploy, storage kept) per machine next
//! to the policy release. When a machine's admin moves, an endorsement policy that names the old
//! admin as `provider_instance_admin` must move with it, or instances stop registering.
//!
//! Pure functions (no I/O): the callers read rofl.yaml, the bundle and the chain.

use alloy_primitives::{B256, U256};
use roflgov_types::{
    AllowedEndorsement, AppId,
    ids::Address as OasisAddress,
    manifest::Machine,
    market::{self, Command, Deployment, InstanceExecuteCmds, InstanceId, MarketCall},
};

use crate::{
    rofl::subcall::{SUBCALL_PRECOMPILE, encode_subcall},
    safe_tx::SafeCall,
    text,
};

/// A machine a release is deployed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineTarget {
    /// Its name in rofl.yaml.
    pub name: String,
    /// Provider.
    pub provider: OasisAddress,
    /// Instance.
    pub id: InstanceId,
}

/// The machines of a deployment that a Deploy can reach: each needs a provider address and an
/// instance id (a machine not rented yet has none). The error names the machine.
pub fn machine_targets<'a>(
    machines: impl IntoIterator<Item = (&'a String, &'a Machine)>,
) -> Result<Vec<MachineTarget>, String> {
    machines
        .into_iter()
        .map(|(name, machine)| {
            let provider = machine
                .provider_address()
                .map_err(|e| format!("machine {name:?}: {e}"))?
                .ok_or_else(|| format!("machine {name:?} has no provider"))?;
            let id =
                machine.instance_id().map_err(|e| format!("machine {name:?}: {e}"))?.ok_or_else(|| {
                    format!("machine {name:?} has no id (not rented yet): run `oasis rofl deploy` first")
                })?;
            Ok(MachineTarget { name: name.clone(), provider, id })
        })
        .collect()
}

/// What a release deploys: the app, the bundle's manifest hash and, when known, the ORC
/// reference (`<oci repository>@<digest>`, metadata `net.oasis.deployment.orc.ref`, as
/// `oasis rofl deploy` writes it).
pub fn release_deployment(app: AppId, manifest_hash: B256, orc_reference: Option<&str>) -> Deployment {
    let metadata = orc_reference
        .map(|r| [(market::METADATA_ORC_REFERENCE.to_owned(), r.to_owned())].into())
        .unwrap_or_default();
    Deployment { app_id: app, manifest_hash, metadata }
}

/// The ORC reference a Deploy pins in its metadata (`net.oasis.deployment.orc.ref`):
/// `<oci repository>@<digest>`, what `oasis rofl push` prints as "OCI reference" and what
/// `oasis rofl deploy` writes (oasis-cli `cmd/rofl/deploy.go`: `fmt.Sprintf("%s@%s",
/// deployment.OCIRepository, ociDigest)`). `given` is the whole reference, or only its digest
/// when rofl.yaml's deployment names its `oci_repository`; a whole reference must name that
/// repository. The digest is an OCI content digest (`sha256:` and 64 lowercase hex digits, or
/// `sha512:` and 128); the repository is a plain OCI name (letters, digits, `.`, `_`, `-`, `/`,
/// `:`, at most 255 bytes). The error names what is wrong, escaped.
pub fn orc_reference(given: &str, oci_repository: Option<&str>) -> Result<String, String> {
    let (repository, digest) = match given.rsplit_once('@') {
        Some((repository, digest)) => {
            check_oci_repository(repository)?;
            if let Some(expected) = oci_repository
                && expected != repository
            {
                return Err(format!(
                    "the ORC reference names repository \"{}\" but rofl.yaml's oci_repository is \"{}\"",
                    text::escape(repository),
                    text::escape(expected)
                ));
            }
            (repository, digest)
        }
        None => {
            let repository = oci_repository.ok_or_else(|| {
                format!(
                    "\"{}\" is not REPOSITORY@DIGEST, and rofl.yaml's deployment has no oci_repository to go with a bare digest",
                    text::escape(given)
                )
            })?;
            check_oci_repository(repository).map_err(|e| format!("rofl.yaml's oci_repository: {e}"))?;
            (repository, given)
        }
    };
    let hex_len = match digest.split_once(':') {
        Some(("sha256", hex)) => (hex, 64),
        Some(("sha512", hex)) => (hex, 128),
        _ => {
            return Err(format!(
                "digest \"{}\" is not sha256:<64 hex digits> or sha512:<128 hex digits>",
                text::escape(digest)
            ));
        }
    };
    let (hex, len) = hex_len;
    if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!(
            "digest \"{}\" must have {len} lowercase hex digits after its algorithm",
            text::escape(digest)
        ));
    }
    Ok(format!("{repository}@{digest}"))
}

fn check_oci_repository(repository: &str) -> Result<(), String> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':');
    if repository.is_empty() || repository.len() > 255 || !repository.bytes().all(allowed) {
        return Err(format!(
            "repository \"{}\" is not a plain OCI name (letters, digits, . _ - / :, 1 to 255 bytes)",
            text::escape(repository)
        ));
    }
    Ok(())
}

/// The subcall that redeploys `machine` with `deployment`, storage kept.
pub fn deploy_call(machine: &MachineTarget, deployment: &Deployment) -> SafeCall {
    let call = MarketCall::InstanceExecuteCmds(InstanceExecuteCmds::new(
        machine.provider,
        machine.id,
        &[Command::Deploy { deployment: deployment.clone(), wipe_storage: false }],
    ));
    SafeCall {
        to: SUBCALL_PRECOMPILE,
        value: U256::ZERO,
        data: encode_subcall(call.method(), &market::encode_call(&call)),
    }
}

/// One Deploy leg per machine.
pub fn deploy_calls(machines: &[MachineTarget], deployment: &Deployment) -> Vec<SafeCall> {
    machines.iter().map(|m| deploy_call(m, deployment)).collect()
}

/// The endorsement list with every `provider_instance_admin` naming `old` turned into `new`
/// (nested `and`/`or` included), or `None` when none names `old` (nothing to change).
pub fn endorsements_for_admin_change(
    endorsements: &[AllowedEndorsement],
    old: OasisAddress,
    new: OasisAddress,
) -> Option<Vec<AllowedEndorsement>> {
    fn swap(
        e: &AllowedEndorsement,
        old: OasisAddress,
        new: OasisAddress,
        changed: &mut bool,
    ) -> AllowedEndorsement {
        match e {
            AllowedEndorsement::ProviderInstanceAdmin(a) if *a == old => {
                *changed = true;
                AllowedEndorsement::ProviderInstanceAdmin(new)
            }
            AllowedEndorsement::And(c) => {
                AllowedEndorsement::And(c.iter().map(|e| swap(e, old, new, changed)).collect())
            }
            AllowedEndorsement::Or(c) => {
                AllowedEndorsement::Or(c.iter().map(|e| swap(e, old, new, changed)).collect())
            }
            other => other.clone(),
        }
    }
    let mut changed = false;
    let out: Vec<_> = endorsements.iter().map(|e| swap(e, old, new, &mut changed)).collect();
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::rofl::subcall::decode_subcall;

    #[test]
    fn talos_machine_gets_one_deploy_leg_that_decodes_back() {
        let machine = Machine {
            provider: Some("oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr".into()),
            offer: Some("large".into()),
            id: Some("000000000000001e".into()),
            permissions: BTreeMap::new(),
        };
        let machines = BTreeMap::from([("default".to_owned(), machine)]);
        let targets = machine_targets(&machines).unwrap();
        assert_eq!(targets[0].id.as_u64(), 30);
        let deployment =
            release_deployment(AppId([1; 21]), B256::repeat_byte(7), Some("ghcr.io/t/talos:orc@sha256:00"));
        let legs = deploy_calls(&targets, &deployment);
        assert_eq!(legs.len(), 1);
        let input = decode_subcall(&legs[0].data).unwrap();
        assert_eq!(input.method, market::METHOD_INSTANCE_EXECUTE_CMDS);
        let MarketCall::InstanceExecuteCmds(body) = market::decode_call(&input.method, &input.body).unwrap()
        else {
            panic!("not ExecuteCmds")
        };
        assert_eq!(body.commands().unwrap(), [Command::Deploy { deployment, wipe_storage: false }]);
        let unrented =
            BTreeMap::from([("b".to_owned(), Machine { id: None, ..machines["default"].clone() })]);
        assert!(machine_targets(&unrented).unwrap_err().contains("not rented yet"));
    }

    #[test]
    fn orc_reference_is_whole_or_digest_with_the_manifest_repository() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let whole = format!("rofl.sh/abc:1700000000@{digest}");
        assert_eq!(orc_reference(&whole, None).unwrap(), whole);
        assert_eq!(orc_reference(&whole, Some("rofl.sh/abc:1700000000")).unwrap(), whole);
        assert_eq!(orc_reference(&digest, Some("rofl.sh/abc:1700000000")).unwrap(), whole);
        assert!(orc_reference(&whole, Some("ghcr.io/other")).unwrap_err().contains("oci_repository"));
        assert!(orc_reference(&digest, None).unwrap_err().contains("no oci_repository"));
        assert!(orc_reference("rofl.sh/a@sha256:AB", None).unwrap_err().contains("lowercase hex"));
        assert!(orc_reference("rofl.sh/a@md5:00", None).unwrap_err().contains("sha256:"));
        let hostile = orc_reference(&format!("evil\u{1b}[2J repo@{digest}"), None).unwrap_err();
        assert!(hostile.contains("not a plain OCI name") && !hostile.contains('\u{1b}'), "{hostile}");
    }

    #[test]
    fn admin_change_rewrites_nested_endorsements() {
        let (old, new, other) = (OasisAddress([1; 21]), OasisAddress([2; 21]), OasisAddress([3; 21]));
        let list = vec![AllowedEndorsement::And(vec![
            AllowedEndorsement::Provider(old),
            AllowedEndorsement::Or(vec![AllowedEndorsement::ProviderInstanceAdmin(old)]),
        ])];
        let changed = endorsements_for_admin_change(&list, old, new).unwrap();
        assert_eq!(
            changed,
            vec![AllowedEndorsement::And(vec![
                AllowedEndorsement::Provider(old),
                AllowedEndorsement::Or(vec![AllowedEndorsement::ProviderInstanceAdmin(new)]),
            ])]
        );
        assert_eq!(endorsements_for_admin_change(&list, other, new), None);
    }
}
