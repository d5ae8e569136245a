//! "Ready to enforce?" as an action plan (`mtasts_core::action`): a large Yes / No / Can't tell,
//! the readiness sentence, and numbered steps, each with the problem and its fix in the
//! domain's own names, a link to the section that explains it, to the Fix-it records it needs
//! and to the Generator.

use mtasts_core::action::{ActionPlan, ActionStep, Answer};
use mtasts_core::report::Readiness;
use mtasts_core::Report;
use yew::prelude::*;

use super::chain::jump_to;
use super::report_evidence::fill_slot;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Report,
    /// The report's plan (`action::plan`), made once by the report, which also links its
    /// findings to these steps.
    pub plan: ActionPlan,
    /// Opens the Generator tab; absent where the tools are not offered (an embed without them).
    #[prop_or_default]
    pub on_generator: Option<Callback<()>>,
}

fn step(n: usize, s: &ActionStep, on_generator: &Option<Callback<()>>) -> Html {
    let section = s.section;
    html! {
        <li class={classes!("action-step", s.blocks.then_some("blocks"))} id={format!("step-{}", n + 1)} tabindex="-1"
            data-step-code={s.code.map(|c| c.as_str())}>
            <p class="problem">
                if s.blocks { <strong class="must">{"Must fix: "}</strong> }
                else if s.code.is_some() && s.severity != mtasts_core::Severity::Info { <strong class="also">{"Recommended: "}</strong> }
                {&s.problem}
            </p>
            <p class="fix"><strong>{"Fix: "}</strong>{&s.fix}</p>
            <p class="step-links">
                <a href={format!("#{}", super::chain::section_anchor(section))} onclick={jump_to(format!("#{}", super::chain::section_anchor(section)))}>
                    {format!("Details: {}", section.title())}
                </a>
                if s.fixit {
                    {" · "}
                    <a href="#fixit" onclick={jump_to("#fixit".to_string())} aria-label={format!("Fix-it records for step {}", n + 1)}>{"Fix-it records"}</a>
                    if let Some(g) = on_generator {
                        {" · "}
                        <a href="#generator" onclick={g.reform(|e: MouseEvent| e.prevent_default())}>{"Generator"}</a>
                    }
                }
            </p>
        </li>
    }
}

#[function_component]
pub fn ActionPlanView(p: &Props) -> Html {
    let plan = &p.plan;
    let class = match p.report.enforce.readiness {
        Readiness::Enforced | Readiness::Ready => "ready good",
        Readiness::NotReady | Readiness::EnforcedFailing => "ready bad",
        Readiness::Unknown => "ready unknown",
        Readiness::NotDeployed | Readiness::Withdrawn => "ready bad",
        Readiness::NoSuchDomain | Readiness::NoMail => "ready na",
    };
    let pending = p.report.overall == mtasts_core::Light::Pending;
    // The stored reports' evidence, on the operator's own page (src/components/report_evidence.rs).
    let slot = use_node_ref();
    {
        let slot = slot.clone();
        let enforced = matches!(
            p.report.enforce.readiness,
            Readiness::Enforced | Readiness::EnforcedFailing
        );
        use_effect_with(
            (p.report.domain.clone(), pending, enforced),
            move |(domain, pending, enforced)| {
                if !pending {
                    fill_slot(&slot, domain, *enforced);
                }
            },
        );
    }
    let word = if pending {
        "Checking…"
    } else {
        plan.answer.word()
    };
    let mark = match plan.answer {
        _ if pending => "…",
        Answer::Yes => "✔",
        Answer::No => "✖",
        Answer::CantTell => "?",
        Answer::DoesNotApply => "–",
    };
    html! {
        <section class={classes!(class, "action-plan")} aria-label="Ready to enforce?"
                 data-answer={if pending { "pending" } else { plan.answer.name() }}>
            <h3>{"Ready to enforce?"}</h3>
            <p class="answer"><span class="answer-word"><span aria-hidden="true">{mark}{" "}</span>{word}</span></p>
            <p class="headline">{&plan.headline}</p>
            if !pending {
                <div class="report-evidence-slot" ref={slot}></div>
            }
            if !plan.steps.is_empty() {
                <ol class="steps">{ for plan.steps.iter().enumerate().map(|(n, s)| step(n, s, &p.on_generator)) }</ol>
            }
        </section>
    }
}
