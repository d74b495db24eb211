"""The offline script writer's sentences in the languages the offline voices speak besides
English (Spanish, German, French, Japanese), and how to find the topic in an inquiry written in
them. English lives in text.py; any other language is written in English.

It owns wording only: which sentence goes where is text.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    """One language's sentences; ``{topic}`` stands for the inquiry's subject."""

    leads: re.Pattern[str]
    """What an inquiry says before (or, in Japanese, after) its topic."""
    opening: str
    middles: tuple[str, ...]
    tags: dict[str, tuple[str, ...]]
    """Closing sentences per audience ("adults" stands in for the audiences not listed)."""
    summary: str


PHRASES = {
    "es": Phrases(
        leads=re.compile(
            r"^(por favor\s+)?(háblame|cuéntame|explícame|explica|descríbeme|describe)"
            r"(\s+(sobre|de|acerca de))?\s+|^¿?qu[ée] (es|fue|son|fueron)\s+", re.IGNORECASE),
        opening="Bienvenidos. En los próximos minutos exploramos {topic}: de dónde viene, por qué "
        "importó entonces y por qué todavía se habla de ello hoy.",
        middles=(
            "Imagina el mundo en torno a {topic}: los lugares, las personas y las presiones de la "
            "época, que empujaban los hechos hacia un punto de inflexión.",
            "En el centro de {topic} hubo decisiones de gente corriente y de líderes poderosos, y "
            "cada decisión cerró unas puertas y abrió otras.",
            "Paso a paso, {topic} cambió cómo vivía y trabajaba la gente, y transformó pueblos, "
            "familias y las ideas que llevaron al futuro.",
            "No todos estaban de acuerdo sobre {topic}. Las discusiones crecieron, las alianzas "
            "cambiaron y pequeños sucesos cobraron un peso enorme.",
            "Si miramos {topic} de cerca, aparecen detalles sorprendentes: inventos, cartas, mapas "
            "y objetos cotidianos que cuentan la historia en voz baja.",
            "Las consecuencias de {topic} llegaron mucho más allá de sus primeros días, hasta las "
            "leyes, las fronteras, las creencias y la memoria de las generaciones siguientes.",
        ),
        tags={
            "adults": ("Merece una mirada más atenta.", "Sus efectos durarían décadas.",
                       "Pocos vieron cuánto estaba a punto de cambiar.",
                       "Esa tensión marcó todo lo que vino después."),
            "kids": ("¡Imagina que estás allí!", "¿Qué habrías hecho tú?", "¿Te lo imaginas?",
                     "¡Recuérdalo para lo que viene!"),
        },
        summary="Un breve vídeo explicativo sobre {topic}. Va de sus orígenes a sus consecuencias "
        "duraderas.",
    ),
    "de": Phrases(
        leads=re.compile(
            r"^(bitte\s+)?(erzähl(e)? mir( etwas)? (über|von)|erkläre?( mir)?|beschreibe?( mir)?)"
            r"\s+|^was (ist|war|sind|waren)\s+", re.IGNORECASE),
        opening="Willkommen. In den nächsten Minuten geht es um ein Thema: {topic}. Woher es "
        "kommt, warum es damals wichtig war und warum man noch heute darüber spricht.",
        middles=(
            "{topic}: Stell dir die Welt darum herum vor, die Orte, die Menschen und den Druck "
            "der Zeit, der die Ereignisse auf einen Wendepunkt zutrieb.",
            "{topic}: Im Mittelpunkt standen Entscheidungen gewöhnlicher Menschen und mächtiger "
            "Anführer, und jede schloss manche Türen und öffnete andere.",
            "Schritt für Schritt veränderte {topic}, wie Menschen lebten und arbeiteten, und "
            "prägte Städte, Familien und die Ideen, die sie in die Zukunft trugen.",
            "{topic}: Nicht alle waren sich einig. Der Streit wurde lauter, Bündnisse "
            "verschoben sich, und kleine Ereignisse bekamen plötzlich enormes Gewicht.",
            "{topic}: Schaut man genauer hin, zeigen sich überraschende Details, Erfindungen, "
            "Briefe, Karten und Alltagsgegenstände, die die Geschichte leiser erzählen.",
            "{topic}: Die Folgen reichten weit über die ersten Tage hinaus, bis in Gesetze, "
            "Grenzen, Überzeugungen und die Erinnerung späterer Generationen.",
        ),
        tags={
            "adults": ("Ein genauerer Blick lohnt sich.", "Die Folgen sollten Jahrzehnte dauern.",
                       "Kaum jemand ahnte, wie viel sich ändern würde.",
                       "Diese Spannung prägte alles, was folgte."),
            "kids": ("Stell dir vor, du wärst dabei!", "Was hättest du getan?",
                     "Kannst du es dir vorstellen?", "Merk dir das für das, was kommt!"),
        },
        summary="Ein kurzer Erklärfilm über {topic}. Er führt von den Ursprüngen bis zu den "
        "bleibenden Folgen.",
    ),
    "fr": Phrases(
        leads=re.compile(
            r"^(s'il te plaît,?\s+)?(parle-moi|raconte-moi|explique-moi|explique|décris-moi|"
            r"décris)(\s+(de|du|des))?\s+|^qu'est-ce que\s+", re.IGNORECASE),
        opening="Bienvenue. Dans les prochaines minutes, nous explorons {topic} : d'où cela vient, "
        "pourquoi cela comptait alors, et pourquoi on en parle encore aujourd'hui.",
        middles=(
            "Imaginez le monde autour de {topic} : les lieux, les gens et les pressions de "
            "l'époque, qui poussaient les événements vers un tournant.",
            "Au cœur de {topic}, il y avait les choix de gens ordinaires et de dirigeants "
            "puissants, et chaque choix fermait certaines portes pour en ouvrir d'autres.",
            "Pas à pas, {topic} a changé la façon dont les gens vivaient et travaillaient, "
            "transformant les villes, les familles et les idées qu'ils portaient vers l'avenir.",
            "Tout le monde n'était pas d'accord sur {topic}. Les disputes se sont intensifiées, "
            "les alliances ont changé, et de petits événements ont soudain pesé très lourd.",
            "En regardant {topic} de plus près, des détails surprenants apparaissent : des "
            "inventions, des lettres, des cartes et des objets du quotidien.",
            "Les conséquences de {topic} se sont étendues bien au-delà des premiers jours, "
            "jusqu'aux lois, aux frontières, aux croyances et à la mémoire des générations.",
        ),
        tags={
            "adults": ("Cela mérite un regard plus attentif.",
                       "Les effets allaient durer des décennies.",
                       "Peu de gens ont vu à quel point tout allait changer.",
                       "Cette tension a façonné tout ce qui a suivi."),
            "kids": ("Imagine que tu y es !", "Qu'aurais-tu fait ?", "Tu arrives à l'imaginer ?",
                     "Garde cela en tête pour la suite !"),
        },
        summary="Une courte vidéo explicative sur {topic}. Elle va de ses origines à ses "
        "conséquences durables.",
    ),
    "ja": Phrases(
        leads=re.compile(
            r"(について|を|の)?(教えて(ください|下さい)?|説明して(ください|下さい)?|知りたい(です)?)"
            r"[。？?！!]*$"),
        opening="ようこそ。これから数分間、{topic}について探ります。その始まり、当時の意味、"
        "そして今も語り継がれる理由です。",
        middles=(
            "{topic}を取り巻く世界を思い描いてください。場所、人々、そして時代の重圧が、"
            "出来事を転換点へと押し進めました。",
            "{topic}の中心には、普通の人々と権力者の選択がありました。一つの選択が扉を閉ざし、"
            "別の扉を開いたのです。",
            "{topic}は少しずつ、人々の暮らしと仕事を変え、町や家族、そして未来へ受け継がれる"
            "考え方を形づくりました。",
            "{topic}について、誰もが同じ意見だったわけではありません。議論は激しくなり、"
            "小さな出来事が大きな重みを持つようになりました。",
            "{topic}をよく見ると、意外な細部が現れます。発明、手紙、地図、そして日用品が、"
            "静かな声で物語を語ります。",
            "{topic}の影響は、最初の日々をはるかに超えて広がり、法や国境、信念、"
            "そして後の世代の記憶にまで及びました。",
        ),
        tags={
            "adults": ("詳しく見る価値があります。", "その影響は何十年も続きました。",
                       "これほどの変化を予想した人は、ほとんどいませんでした。",
                       "その緊張が、その後のすべてを形づくりました。"),
            "kids": ("その場にいるところを想像してみてください！", "あなたならどうしましたか？",
                     "思い浮かべられますか？", "次のお話のために覚えておきましょう！"),
        },
        summary="{topic}についての短い解説動画です。その起源から、長く続く影響までをたどります。",
    ),
}  # fmt: skip


def phrases_for(language: str) -> Phrases | None:
    """The sentences for ``language`` (``es``, ``pt-BR``: its primary subtag counts), or None
    for English and the languages written in English."""
    return PHRASES.get(re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0])
