//! Drop a file on the area, or open one with the file picker (keyboard reachable). Files are
//! read in the page; nothing is uploaded.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::services::file;

/// A file that was read: its name and bytes, or why it could not be read.
pub type Loaded = Result<(String, Vec<u8>), String>;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: AttrValue,
    pub on_file: Callback<Loaded>,
    /// `accept` of the file input, e.g. ".json,.gz".
    #[prop_or_default]
    pub accept: AttrValue,
    pub children: Html,
}

fn load(f: web_sys::File, on_file: Callback<Loaded>) {
    wasm_bindgen_futures::spawn_local(async move {
        let name = f.name();
        on_file.emit(file::read(&f).await.map(|b| (name, b)));
    });
}

#[function_component]
pub fn FileDrop(p: &Props) -> Html {
    let over = use_state(|| false);
    let ondragover = {
        let over = over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            over.set(true);
        })
    };
    let ondragleave = {
        let over = over.clone();
        Callback::from(move |_: DragEvent| over.set(false))
    };
    let ondrop = {
        let (over, on_file) = (over.clone(), p.on_file.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            over.set(false);
            if let Some(f) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|l| l.get(0))
            {
                load(f, on_file.clone());
            }
        })
    };
    let onchange = {
        let on_file = p.on_file.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(f) = input.files().and_then(|l| l.get(0)) {
                load(f, on_file.clone());
            }
            // Picking the same file again must load it again.
            input.set_value("");
        })
    };
    let file_id = format!("{}-file", p.id);
    html! {
        <div class={classes!("drop", (*over).then_some("over"))} {ondragover} {ondragleave} {ondrop}>
            { p.children.clone() }
            <p class="drop-hint">
                <label class="file-label" for={file_id.clone()}>{"Open a file…"}</label>
                <input id={file_id} class="file" type="file" accept={p.accept.clone()} {onchange} />
                {" or drop one here. It is read in this page, not uploaded."}
            </p>
        </div>
    }
}

/// The exact bytes an offline tool validates: typed into its text area, or a file as read
/// (a BOM or a bare CR must survive), with a note saying which file it was or why it failed.
#[derive(Clone)]
pub struct InputBytes {
    pub bytes: UseStateHandle<Vec<u8>>,
    pub note: UseStateHandle<Option<String>>,
    /// For the text area.
    pub oninput: Callback<InputEvent>,
    /// For [`FileDrop`].
    pub on_file: Callback<Loaded>,
}

impl InputBytes {
    /// Replaces the input with text, as typing would (e.g. "Load an example").
    pub fn set_text(&self, text: &str) {
        self.bytes.set(text.as_bytes().to_vec());
        self.note.set(None);
    }
}

#[hook]
pub fn use_input_bytes() -> InputBytes {
    let bytes = use_state(Vec::<u8>::new);
    let note = use_state(|| None::<String>);
    let oninput = {
        let (bytes, note) = (bytes.clone(), note.clone());
        Callback::from(move |e: InputEvent| {
            bytes.set(super::input_value(&e).into_bytes());
            note.set(None);
        })
    };
    let on_file = {
        let (bytes, note) = (bytes.clone(), note.clone());
        Callback::from(move |r: Loaded| match r {
            Ok((name, b)) => {
                note.set(Some(format!(
                    "{name}: {} bytes, validated exactly as read",
                    b.len()
                )));
                bytes.set(b);
            }
            Err(e) => note.set(Some(e)),
        })
    };
    InputBytes {
        bytes,
        note,
        oninput,
        on_file,
    }
}
