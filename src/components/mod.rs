//! The views; one component per file.

pub mod action_plan;
pub mod chain;
pub mod compact;
pub mod copy_button;
pub mod daily_chart;
pub mod demo_list;
pub mod domain_form;
pub mod elapsed;
pub mod file_drop;
pub mod finding;
pub mod fixit;
pub mod freshness;
pub mod generated;
pub mod incomplete;
pub mod lazy_part;
pub mod light;
pub mod lint_result;
pub mod marked_text;
pub mod mx_table;
pub mod open_saved;
pub mod part;
pub mod raw_data;
pub mod recent;
pub mod report;
pub mod report_evidence;
pub mod section;
pub mod tabs;
pub mod theme_toggle;
pub mod ticker;
pub mod tools;
pub mod tools_slot;

/// An `oninput` that keeps a text field's value in `state`.
pub fn bind(state: &yew::UseStateHandle<String>) -> yew::Callback<yew::InputEvent> {
    let state = state.clone();
    yew::Callback::from(move |e: yew::InputEvent| state.set(input_value(&e)))
}

/// The `value` of whatever form control fired the event (input, textarea or select).
pub fn input_value(e: &yew::InputEvent) -> String {
    e.target()
        .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}
